package dev.kembed.stream;

import dev.kembed.testing.Vectors;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kembed.app.KembedModel;
import dev.kembed.avro.DocumentEmbedding;
import dev.kembed.embed.DirectEmbedder;
import dev.kembed.engine.WindowResultCache;
import dev.kembed.engine.queue.BatchPolicy;
import dev.kembed.engine.queue.EngineWorkers;
import dev.kembed.engine.queue.WindowQueue;
import dev.kembed.testing.FakeClock;
import dev.kembed.testing.TestModels;
import dev.kembed.text.Boundaries;
import dev.kembed.text.ChunkContext;
import dev.kembed.text.Chunker;
import dev.kembed.text.EmbeddingSettings;
import dev.kembed.text.GlobalAttention;
import dev.kembed.text.MeanScope;
import dev.kembed.text.Pooling;
import dev.kembed.text.WindowPlan;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A restart with changed settings while a document is in flight: the task's stores outlive the
 * process (as a changelog restores them), the embed processor of the new settings is started on
 * them. The document half pooled under settings A must come out exactly once, equal to what
 * settings B give from scratch (never a mix, never a crash); a state written before fingerprints
 * were kept, of another dimension, goes to the dead letters {@code settings-changed}.
 */
class SettingsChangeRestartTest {
    @TempDir
    static Path tmp;

    static KembedModel tiny;
    static KembedModel narrow;

    static final String TEXT = TopologyTest.paragraphs(10, 11);
    static final SourceRecord SOURCE = new SourceRecord("docs", 0, 17);

    final FakeClock clock = new FakeClock();
    final MockProcessorContext<String, Emitted> ctx = new MockProcessorContext<>();
    final List<EngineWorkers> started = new ArrayList<>();
    boolean storesMade;

    /** One of the task's stores, typed. */
    @SuppressWarnings("unchecked")
    <V> org.apache.kafka.streams.state.KeyValueStore<String, V> store(String name) {
        return (org.apache.kafka.streams.state.KeyValueStore<String, V>) (Object) ctx.getStateStore(name);
    }

    @BeforeAll
    static void openModels() {
        tiny = TestModels.open(TestModels.tiny(tmp.resolve("tiny")), false);
        narrow = TestModels.open(TestModels.narrow(tmp.resolve("narrow")), false);
    }

    @AfterAll
    static void closeModels() {
        tiny.close();
        narrow.close();
    }

    @AfterEach
    void stopWorkers() {
        started.forEach(EngineWorkers::close);
    }

    /** One life of the embed task: its settings, plan, engine workers (stepped by the test) and processor. */
    record Life(WindowPlan plan, KembedModel model, ChunkOutput chunks, EngineWorkers workers, EmbedProcessor processor, PipelineMetrics metrics) {}

    static EmbeddingSettings mean() {
        return new EmbeddingSettings(Pooling.MEAN, GlobalAttention.NONE, false, 48, 8, Boundaries.TEXT);
    }

    /** Starts a life on this test's stores (created on the first call, kept by the later ones: the restart). */
    Life start(KembedModel m, EmbeddingSettings emb, ChunkOutput chunks) {
        WindowPlan plan = WindowPlan.create(emb, m.engine().info(), m.tokenizer(), WindowPlan.SettingNames.CONFIG);
        PipelineMetrics metrics = new PipelineMetrics(new SimpleMeterRegistry());
        // batches of one 48-token window: each step of the workers finishes one window
        EngineWorkers workers = new EngineWorkers(m.engine(), new WindowQueue(BatchPolicy.forEngine(m.engine().info(), 48, 1, 0, 0,
                plan.maxTokens()), 10_000), 0, 1, 10, 1_000, clock, metrics);
        started.add(workers);
        PipelineSettings settings = new PipelineSettings("docs", "embeddings", "docs-dlq", chunks, InputFormat.JSON, 1_000_000,
                dev.kembed.serde.RegistrySettings.of("mock://settings-change"), 20, true, 64L << 20, Long.MAX_VALUE, Long.MAX_VALUE,
                RecordLimits.DEFAULTS);
        EmbedProcessor p = new EmbedProcessor(settings, plan, workers, new AdmissionBudget(workers),
                new OutputRecords(plan.engine(), plan.settings(), plan.fingerprint()), metrics, new WindowResultCache(64L << 20),
                IntakeBound.unbounded());
        if (!storesMade) {
            storesMade = true;
            RestoringTasks.store(ctx, Names.DOCUMENT_STORE, StateSerdes.DOC_STATE);
            RestoringTasks.store(ctx, Names.INPUT_STORE, StateSerdes.DOCUMENT_INPUT);
            RestoringTasks.store(ctx, Names.PENDING_STORE, StateSerdes.PENDING_WINDOW);
            RestoringTasks.store(ctx, Names.RESULT_STORE, StateSerdes.WINDOW_RESULT);
            RestoringTasks.store(ctx, Names.PENDING_CHUNK_STORE, StateSerdes.CHUNK_SPAN);
            RestoringTasks.store(ctx, Names.CHUNK_COUNT_STORE, Serdes.Integer());
        }
        ctx.setCurrentSystemTimeMs(clock.nanoTime() / 1_000_000);
        p.init(ctx);
        return new Life(plan, m, chunks, workers, p, metrics);
    }

    void admit(Life life, String id) {
        life.processor().process(new Record<>(id, new DocumentEvent(id, TEXT, null, Map.of("lang", "en"), 3L, null, SOURCE), 1_000L,
                new RecordHeaders()));
    }

    /** {@code steps} windows of the life's engine, each followed by its drain punctuation. */
    void run(Life life, int steps) {
        MockProcessorContext.CapturedPunctuator drain = ctx.scheduledPunctuators().get(ctx.scheduledPunctuators().size() - 1);
        for (int i = 0; i < steps; i++) {
            clock.advance(Duration.ofMillis(20));
            life.workers().step();
            drain.getPunctuator().punctuate(clock.nanoTime() / 1_000_000);
        }
    }

    /** Under A: admitted, then some of its windows pooled (a half-pooled sum), then the process dies (no close). */
    void halfPooledUnder(Life a) {
        admit(a, "doc");
        assertThat(a.plan().cut(TEXT).windows().size()).as("a document of several windows").isGreaterThanOrEqualTo(4);
        run(a, 2);
        DocState s = this.<DocState>store(Names.DOCUMENT_STORE).get("doc");
        assertThat(s).isNotNull();
        assertThat(s.doneWindows()).as("in flight, partly pooled").isBetween(1, s.expectedWindows() - 1);
        assertThat(s.fingerprint()).isEqualTo(StateFingerprint.of(a.plan(), a.chunks()));
        assertThat(ctx.forwarded()).isEmpty();
    }

    List<MockProcessorContext.CapturedForward<? extends String, ? extends Emitted>> finish(Life b) {
        run(b, 200);
        return ctx.forwarded();
    }

    static float[] vector(DocumentEmbedding d) {
        float[] v = new float[d.getEmbedding().size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = d.getEmbedding().get(i);
        }
        return v;
    }


    /** Exactly one document record, equal to B's from scratch, with A's version, metadata and source; the recompute counted. */
    void assertRecomputedAsB(Life b) {
        List<MockProcessorContext.CapturedForward<? extends String, ? extends Emitted>> out = finish(b);
        List<DocumentEmbedding> docs = out.stream().filter(f -> f.record().value() instanceof Emitted.Document)
                .map(f -> ((Emitted.Document) f.record().value()).record()).toList();
        assertThat(out.stream().filter(f -> f.record().value() instanceof DeadLetter)).as("no dead letter").isEmpty();
        assertThat(docs).as("exactly one output record").hasSize(1);
        DocumentEmbedding d = docs.get(0);
        float[] expected = new DirectEmbedder(b.plan(), b.model().engine(), 16384).embed(TEXT).vector();
        float[] got = vector(d);
        assertThat(got).hasSize(b.model().engine().info().dimension());
        assertThat(Vectors.cosine(got, expected)).isGreaterThanOrEqualTo(0.9999);
        assertThat(dev.kembed.testing.Vectors.maxDiff(got, expected)).isLessThanOrEqualTo(1e-5);
        assertThat(d.getModelFingerprint()).isEqualTo(b.plan().fingerprint());
        assertThat(d.getWindowCount()).isEqualTo(b.plan().cut(TEXT).windows().size());
        assertThat(d.getVersion()).isEqualTo(3L);
        assertThat(d.getSourceOffset()).isEqualTo(17L);
        assertThat(d.getMetadata()).containsEntry("lang", "en");
        assertThat(b.metrics().registry().get("kembed.documents.recomputed").counter().count()).isEqualTo(1.0);
        assertThat(this.<DocState>store(Names.DOCUMENT_STORE).get("doc")).as("state deleted after emit").isNull();
        assertThat(this.<DocumentInput>store(Names.INPUT_STORE).get("doc")).as("input deleted after emit").isNull();
    }

    @Test
    void aPromptAddedRecomputesWithTheSameDimension() {
        halfPooledUnder(start(tiny, mean(), null));
        assertRecomputedAsB(start(tiny, mean().withPrompt("search_document: ", MeanScope.CONTENT), null));
    }

    @Test
    void otherPoolingRecomputes() {
        halfPooledUnder(start(tiny, mean(), null));
        assertRecomputedAsB(start(tiny, new EmbeddingSettings(Pooling.CLS, GlobalAttention.NONE, false, 48, 8, Boundaries.TEXT), null));
    }

    @Test
    void aModelOfASmallerDimensionRecomputesAndNeverCrashes() {
        halfPooledUnder(start(tiny, mean(), null));
        assertRecomputedAsB(start(narrow, mean(), null));
    }

    @Test
    void aModelOfALargerDimensionRecomputes() {
        halfPooledUnder(start(narrow, mean(), null));
        assertRecomputedAsB(start(tiny, mean(), null));
    }

    @Test
    void chunksTurnedOnRecomputeAndWriteEveryChunk() {
        halfPooledUnder(start(tiny, mean(), null));
        ChunkOutput chunks = new ChunkOutput("chunks", new Chunker(12), ChunkContext.CHUNK, true);
        Life b = start(tiny, mean(), chunks);
        assertRecomputedAsB(b);
        assertChunks(b, chunks);
    }

    @Test
    void otherChunkSizesRecompute() {
        halfPooledUnder(start(tiny, mean(), new ChunkOutput("chunks", new Chunker(12), ChunkContext.CHUNK, true)));
        ChunkOutput chunks = new ChunkOutput("chunks", new Chunker(20), ChunkContext.CHUNK, true);
        Life b = start(tiny, mean(), chunks);
        assertRecomputedAsB(b);
        assertChunks(b, chunks);
    }

    void assertChunks(Life b, ChunkOutput chunks) {
        DirectEmbedder.ChunkedDocument ref = new DirectEmbedder(b.plan(), b.model().engine(), 16384).embedChunks(TEXT, chunks.chunker(),
                chunks.context());
        List<dev.kembed.avro.ChunkEmbedding> got = ctx.forwarded().stream().filter(f -> f.record().value() instanceof Emitted.Chunk)
                .map(f -> ((Emitted.Chunk) f.record().value()).record()).toList();
        assertThat(got).as("every chunk of B, once").hasSize(ref.chunks().size());
        for (int i = 0; i < got.size(); i++) {
            float[] v = new float[got.get(i).getEmbedding().size()];
            for (int k = 0; k < v.length; k++) {
                v[k] = got.get(i).getEmbedding().get(k);
            }
            assertThat(got.get(i).getChunkIndex()).isEqualTo(i);
            assertThat(dev.kembed.testing.Vectors.maxDiff(v, ref.vectors().get(i))).isLessThanOrEqualTo(1e-5);
        }
    }

    @Test
    void unchangedSettingsResumeWithoutRecomputing() {
        halfPooledUnder(start(tiny, mean(), null));
        Life b = start(tiny, mean(), null);
        List<MockProcessorContext.CapturedForward<? extends String, ? extends Emitted>> out = finish(b);
        assertThat(out).hasSize(1);
        float[] expected = new DirectEmbedder(b.plan(), tiny.engine(), 16384).embed(TEXT).vector();
        assertThat(dev.kembed.testing.Vectors.maxDiff(vector(((Emitted.Document) out.get(0).record().value()).record()), expected))
                .isLessThanOrEqualTo(1e-5);
        assertThat(b.metrics().registry().get("kembed.documents.recomputed").counter().count()).isZero();
    }

    /**
     * The net under the recompute: a state that claims today's fingerprint but holds a sum of another
     * dimension (corrupt, or a bug) is resumed, and its first result cannot be pooled into it: the
     * document is dead-lettered {@code settings-changed} instead of the stream thread throwing.
     */
    @Test
    void aResultThatDoesNotFitTheSumIsDeadLetteredNeverThrown() {
        Life a = start(tiny, mean(), null);
        org.apache.kafka.streams.state.KeyValueStore<String, DocState> docs = store(Names.DOCUMENT_STORE);
        org.apache.kafka.streams.state.KeyValueStore<String, PendingWindow> pending = store(Names.PENDING_STORE);
        docs.put("odd", new DocState(5, null, null, Map.of(), "docs", 0, 1, 0, 3, new double[16], 0, null, 0, new org.apache.kafka.common.header.Header[0],
                StateFingerprint.of(a.plan(), null)));
        int[] ids = {tiny.engine().info().bosTokenId(), 10, 11, 12, tiny.engine().info().eosTokenId()};
        pending.put(EmbedProcessor.pendingKey("odd", 5, 0), new PendingWindow(0, ids, new int[] {0, 1, 1, 1, 0}, false, -1, -1, 3));
        Life b = start(tiny, mean(), null);
        assertThat(b.workers().queued()).as("resumed: same fingerprint").isEqualTo(1);
        List<MockProcessorContext.CapturedForward<? extends String, ? extends Emitted>> out = finish(b);
        assertThat(out).singleElement().satisfies(f -> {
            DeadLetter dl = (DeadLetter) f.record().value();
            assertThat(dl.reason()).isEqualTo("settings-changed");
            assertThat(dl.message()).contains("dimension 32", "dimension 16");
        });
        assertThat(docs.get("odd")).isNull();
    }

    /** A state of an earlier kembed (no fingerprint, no stored input) whose sum has another dimension: a dead letter for a replay, nothing else. */
    @Test
    void anOldStateOfAnotherDimensionIsDeadLetteredSettingsChanged() {
        Life a = start(tiny, mean(), null); // creates the stores; nothing admitted
        org.apache.kafka.streams.state.KeyValueStore<String, DocState> docs = store(Names.DOCUMENT_STORE);
        org.apache.kafka.streams.state.KeyValueStore<String, PendingWindow> pending = store(Names.PENDING_STORE);
        docs.put("old", new DocState(41, 2L, null, Map.of(), "docs", 0, 3, 1, 9, new double[16], 1.0, null, 0,
                new org.apache.kafka.common.header.Header[] {new org.apache.kafka.common.header.internals.RecordHeader("trace", new byte[] {7})}));
        for (int i = 1; i < 3; i++) {
            int[] ids = {tiny.engine().info().bosTokenId(), 10 + i, 11, 12, tiny.engine().info().eosTokenId()};
            pending.put(EmbedProcessor.pendingKey("old", 41, i), new PendingWindow(i, ids, new int[] {0, 1, 1, 1, 0}, false, -1, -1, 3));
        }
        Life b = start(tiny, mean(), null); // the restart finds it
        assertThat(b.workers().queued()).as("none of its windows reaches the engine").isZero();
        List<MockProcessorContext.CapturedForward<? extends String, ? extends Emitted>> out = finish(b);
        assertThat(out).singleElement().satisfies(f -> {
            assertThat(f.childName()).hasValue(Names.DEAD_LETTERS);
            DeadLetter dl = (DeadLetter) f.record().value();
            assertThat(dl.reason()).isEqualTo("settings-changed");
            assertThat(dl.source()).isEqualTo(new SourceRecord("docs", 0, 41));
            assertThat(new String(dl.value(), java.nio.charset.StandardCharsets.UTF_8)).contains("\"source_offset\":41");
            assertThat(f.record().headers().lastHeader("trace").value()).containsExactly(7);
        });
        assertThat(docs.get("old")).isNull();
        assertThat(pending.all().hasNext()).isFalse();
        assertThat(b.metrics().registry().get("kembed.documents.dead.letter").tag("reason", "settings-changed").counter().count()).isEqualTo(1.0);
        assertThat(a).isNotNull();
    }
}
