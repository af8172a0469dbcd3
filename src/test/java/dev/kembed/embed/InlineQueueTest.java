package dev.kembed.embed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kembed.app.KembedModel;
import dev.kembed.engine.BatchResult;
import dev.kembed.engine.EmbeddingEngine;
import dev.kembed.engine.EngineException;
import dev.kembed.engine.EngineInfo;
import dev.kembed.engine.WindowBatch;
import dev.kembed.testing.TestModels;
import dev.kembed.text.Chunker;
import dev.kembed.text.ChunkContext;
import dev.kembed.text.EmbeddingSettings;
import dev.kembed.text.GlobalAttention;
import dev.kembed.text.Pooling;
import dev.kembed.text.WindowPlan;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kembed embed}'s windows go through the stream's engine queue, which alone cuts the batches, and the core pools them. */
class InlineQueueTest {
    @TempDir
    static Path tmp;
    static KembedModel model;
    static WindowPlan plan;

    @BeforeAll
    static void open() {
        model = TestModels.open(TestModels.tiny(tmp.resolve("tiny")), false);
        plan = model.plan(new EmbeddingSettings(Pooling.MEAN, GlobalAttention.NONE, true, 64, 8), WindowPlan.SettingNames.CLI);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    /** The engine, counting its calls and the windows of each. */
    static final class Counting implements EmbeddingEngine {
        final EmbeddingEngine engine;
        final List<Integer> calls = new ArrayList<>();
        boolean failing;

        Counting(EmbeddingEngine engine) {
            this.engine = engine;
        }

        @Override
        public EngineInfo info() {
            return engine.info();
        }

        @Override
        public BatchResult embed(WindowBatch batch) {
            if (failing) {
                throw EngineException.badWindow("scripted", "this window is refused");
            }
            calls.add(batch.windows().size());
            return engine.embed(batch);
        }

        @Override
        public void close() {}
    }

    @Test
    void theQueuesBatchBudgetCutsTheCallsAndTheVectorDoesNotDependOnIt() {
        String text = TestModels.longText(600);
        Counting wide = new Counting(model.engine());
        Counting narrow = new Counting(model.engine());
        DocumentVector a = new DirectEmbedder(plan, wide, 16384).embed(text);
        DocumentVector b = new DirectEmbedder(plan, narrow, 1).embed(text); // a budget below one window: one window per call
        assertThat(a.windows().size()).isGreaterThan(3);
        // one call per length bucket (the last, shorter window sits in its own), as the stream's queue cuts them
        assertThat(wide.calls).hasSizeLessThanOrEqualTo(2);
        assertThat(wide.calls.stream().mapToInt(Integer::intValue).sum()).isEqualTo(a.windows().size());
        assertThat(narrow.calls).hasSize(a.windows().size()).allMatch(n -> n == 1);
        assertThat(b.vector()).containsExactly(a.vector());
    }

    @Test
    void chunkVectorsComeFromTheSameWindowsWhateverTheBatching() {
        String text = TestModels.longText(300);
        var wide = new DirectEmbedder(plan, model.engine(), 16384).embedChunks(text, new Chunker(16), ChunkContext.CHUNK);
        var narrow = new DirectEmbedder(plan, model.engine(), 1).embedChunks(text, new Chunker(16), ChunkContext.CHUNK);
        assertThat(wide.chunks()).hasSameSizeAs(wide.vectors()).hasSizeGreaterThan(1);
        for (int i = 0; i < wide.vectors().size(); i++) {
            assertThat(narrow.vectors().get(i)).containsExactly(wide.vectors().get(i));
            // a chunk read alone is what embed gives for its text
            assertThat(wide.vectors().get(i)).containsExactly(new DirectEmbedder(plan, model.engine(), 16384).embed(wide.chunks().get(i).text()).vector());
        }
    }

    @Test
    void aWindowTheEngineRefusesFailsTheCallAndTheQueueServesTheNext() {
        Counting engine = new Counting(model.engine());
        DirectEmbedder embedder = new DirectEmbedder(plan, engine, 16384);
        engine.failing = true;
        assertThatThrownBy(() -> embedder.embed("The river rose slowly through the night.")).isInstanceOf(EngineException.class)
                .hasMessageContaining("refused");
        engine.failing = false;
        assertThat(embedder.embed("The river rose slowly through the night.").vector()).hasSize(plan.engine().dimension());
    }

    @Test
    void aBatchBudgetThatIsNotPositiveIsRefusedNamingTheOption() {
        assertThatThrownBy(() -> new InlineQueue(model.engine(), 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--batch-tokens");
    }
}
