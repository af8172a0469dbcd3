package dev.kembed.text;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kembed.engine.EngineInfo;
import dev.kembed.engine.Precision;
import dev.kembed.model.arch.Architectures;
import dev.kembed.testing.Paragraphs;
import dev.kembed.testing.TokenizerTestBase;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A query cut to one window (TEI's {@code truncate}, {@code kembed embed --truncate}) with a
 * prompt: the prompt kept, the text cut at its end ({@code Right}) or its start ({@code Left}),
 * exactly one full window of real tokens, no padding, the same for text and for token ids.
 */
class TruncationTest extends TokenizerTestBase {
    static final int WINDOW = 16;

    WindowPlan plan() {
        EngineInfo engine = new EngineInfo("onnxruntime-cpu", "tiny", "f", Precision.FP32, Architectures.LONGFORMER, 8, 512, 1, false,
                Set.of(Precision.FP32), List.of(), 0, false, tokenizer.vocabSize(), 1, 0, 2, false, "graph-v1/fp32", 0);
        return WindowPlan.create(new EmbeddingSettings(Pooling.MEAN, GlobalAttention.NONE, false, WINDOW, 0), engine, tokenizer,
                WindowPlan.SettingNames.CONFIG).withPrompt("query: ");
    }

    @Test
    void rightKeepsThePromptAndTheTextsStartInExactlyOneFullWindow() {
        WindowPlan plan = plan();
        String text = String.join(" ", Paragraphs.of(4, 7));
        WindowPlan.Planned full = plan.cut(text);
        assertThat(full.windows().size()).isGreaterThan(3);
        int[] prompt = full.doc().prompt();
        assertThat(prompt).isNotEmpty();

        WindowPlan.Planned cut = plan.truncated(full);
        assertThat(cut.windows()).hasSize(1);
        int[] ids = cut.windows().get(0).ids();
        assertThat(ids).hasSize(WINDOW).containsExactly(full.windows().get(0).ids());
        assertThat(ids[0]).isEqualTo(0);
        assertThat(Arrays.copyOfRange(ids, 1, 1 + prompt.length)).containsExactly(prompt);
        assertThat(ids[WINDOW - 1]).isEqualTo(2);
        int content = WINDOW - 2 - prompt.length;
        assertThat(Arrays.copyOfRange(ids, 1 + prompt.length, WINDOW - 1)).containsExactly(Arrays.copyOf(full.doc().ids(), content));
        assertThat(cut.tokens()).isEqualTo(content);

        // token ids of the same text cut the same way
        WindowPlan.Planned byIds = plan.truncated(plan.cut(full.doc().ids()));
        assertThat(byIds.windows()).hasSize(1);
        assertThat(byIds.windows().get(0).ids()).containsExactly(ids);
    }

    @Test
    void leftKeepsThePromptAndTheTextsEndInExactlyOneFullWindow() {
        WindowPlan plan = plan();
        String text = String.join(" ", Paragraphs.of(4, 8));
        WindowPlan.Planned full = plan.cut(text);
        int[] prompt = full.doc().prompt();
        int[] all = full.doc().ids();
        int content = WINDOW - 2 - prompt.length;

        WindowPlan.Planned cut = plan.truncatedLeft(full);
        assertThat(cut.windows()).hasSize(1);
        int[] ids = cut.windows().get(0).ids();
        assertThat(ids).hasSize(WINDOW);
        assertThat(Arrays.copyOfRange(ids, 1, 1 + prompt.length)).containsExactly(prompt);
        assertThat(Arrays.copyOfRange(ids, 1 + prompt.length, WINDOW - 1)).containsExactly(Arrays.copyOfRange(all, all.length - content, all.length));
        // the kept tokens' spans still point into the text
        TextWindow w = cut.windows().get(0);
        assertThat(text.substring(w.charStart(), w.charEnd())).isEqualTo(text.substring(full.doc().charStart()[all.length - content],
                full.doc().charEnd()[all.length - 1]));

        WindowPlan.Planned byIds = plan.truncatedLeft(plan.cut(all));
        assertThat(byIds.windows().get(0).ids()).containsExactly(ids);
        // a text of one window is left as it is, either way
        WindowPlan.Planned shortText = plan.cut("a short query");
        assertThat(plan.truncatedLeft(shortText)).isSameAs(shortText);
        assertThat(plan.truncated(shortText)).isSameAs(shortText);
    }
}
