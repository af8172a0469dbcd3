package dev.kembed.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kembed.engine.EngineInfo;
import dev.kembed.engine.EngineWindow;
import dev.kembed.engine.Precision;
import dev.kembed.model.arch.Architecture;
import dev.kembed.model.arch.Architectures;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Settings checked against the engine's capabilities once, with messages that name the setting. */
class WindowPlanTest {
    static EngineInfo engine(Architecture family, boolean global) {
        return new EngineInfo("onnxruntime-cpu", "minilm-long", "f", Precision.FP32, family, 8, 512, 64, global, Set.of(Precision.FP32),
                List.of(), 0, false, 1000, 1, 0, 2, false, "graph-v1/fp32", 0);
    }

    @Test
    void clsPoolingWithGlobalAttentionOnABertModelIsRefusedNamingKeysAndRemedies() {
        EmbeddingSettings cls = new EmbeddingSettings(Pooling.CLS, GlobalAttention.AUTO, false, 0, 0);
        assertThatThrownBy(() -> WindowPlan.create(cls, engine(Architectures.BERT_LONG, false), null, WindowPlan.SettingNames.CONFIG))
                .hasMessageContaining("kembed.pooling=cls with kembed.global.attention=auto")
                .hasMessageContaining("bert-family model minilm-long")
                .hasMessageContaining("use kembed.global.attention=none").hasMessageContaining("or kembed.pooling=mean");
        assertThatThrownBy(() -> WindowPlan.create(cls, engine(Architectures.BERT_LONG, false), null, WindowPlan.SettingNames.CLI))
                .hasMessageContaining("--pooling=cls with --global-attention=auto");
        // what the message suggests works
        WindowPlan.create(new EmbeddingSettings(Pooling.CLS, GlobalAttention.NONE, false, 0, 0), engine(Architectures.BERT_LONG, false), null,
                WindowPlan.SettingNames.CONFIG);
        WindowPlan.create(new EmbeddingSettings(Pooling.MEAN, GlobalAttention.AUTO, false, 0, 0), engine(Architectures.BERT_LONG, false), null,
                WindowPlan.SettingNames.CONFIG);
        // BERT as the hub ships it attends fully: <s> sees everything, so auto means no global tokens
        assertThat(WindowPlan.create(cls, engine(Architectures.BERT, false), null, WindowPlan.SettingNames.CONFIG).globalCls()).isFalse();
        // and a Longformer with global attention takes the original setting
        assertThat(WindowPlan.create(cls, engine(Architectures.LONGFORMER, true), null, WindowPlan.SettingNames.CONFIG).globalCls()).isTrue();
    }

    @Test
    void windowSizeAndOverlapAreCheckedAgainstTheModel() {
        assertThatThrownBy(() -> WindowPlan.create(new EmbeddingSettings(Pooling.MEAN, GlobalAttention.NONE, false, 1024, 0),
                engine(Architectures.LONGFORMER, true), null, WindowPlan.SettingNames.CONFIG))
                .hasMessageContaining("kembed.window.max.tokens=1024 is outside what the model takes; allowed: 3 to 512");
        assertThatThrownBy(() -> WindowPlan.create(new EmbeddingSettings(Pooling.MEAN, GlobalAttention.NONE, false, 64, 62),
                engine(Architectures.LONGFORMER, true), null, WindowPlan.SettingNames.CLI))
                .hasMessageContaining("--overlap=62 must leave every window a new token; allowed: 0 to 61");
    }

    @Test
    void preTokenizedDocumentsGetSpecialsAndTheGlobalMask() {
        WindowPlan plan = WindowPlan.create(new EmbeddingSettings(Pooling.CLS, GlobalAttention.CLS, false, 6, 1),
                engine(Architectures.LONGFORMER, true), null, WindowPlan.SettingNames.CONFIG);
        WindowPlan.Planned p = plan.cut(new int[] {10, 11, 12, 13, 14, 15, 16});
        assertThat(p.tokens()).isEqualTo(7);
        assertThat(p.windows()).hasSize(2);
        EngineWindow w = plan.engineWindow(p.windows().get(0));
        assertThat(w.inputIds()).containsExactly(0, 10, 11, 12, 13, 2);
        assertThat(w.globalMask()).containsExactly(1, 0, 0, 0, 0, 0);
        assertThatThrownBy(() -> plan.cut(new int[0])).isInstanceOf(BadInputException.class).hasMessageContaining("input_ids is empty");
    }
}
