package dev.kembed.stream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kembed.app.KembedModel;
import dev.kembed.engine.queue.BatchPolicy;
import dev.kembed.engine.queue.EngineWorkers;
import dev.kembed.engine.queue.WindowQueue;
import dev.kembed.engine.WindowResultCache;
import dev.kembed.testing.FakeClock;
import dev.kembed.testing.TestModels;
import dev.kembed.text.EmbeddingSettings;
import dev.kembed.text.GlobalAttention;
import dev.kembed.text.Pooling;
import dev.kembed.text.WindowPlan;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tasks whose stores hold pending windows, on an engine queue no thread runs (the test steps it)
 * and a {@link FakeClock}: what tests of a task's init, restore and revive start from.
 */
abstract class RestoringTasks {
    static final long MAX_BLOCK_MS = 1_000;
    static final int QUEUE = 16;

    @TempDir
    static Path tmp;

    static KembedModel model;

    FakeClock clock = new FakeClock();
    EngineWorkers workers;

    @BeforeAll
    static void openModel() {
        model = TestModels.open(TestModels.tiny(tmp.resolve("tiny")), false);
    }

    @AfterAll
    static void closeModel() {
        model.close();
    }

    @AfterEach
    void stop() {
        if (workers != null) {
            workers.close();
        }
    }

    /** A task whose stores hold {@code windows} pending windows of one document, not yet initialised. */
    record Restoring(EmbedProcessor processor, MockProcessorContext<String, Emitted> ctx, KeyValueStore<String, PendingWindow> pending) {}

    AdmissionBudget budget;
    WindowPlan plan;
    PipelineMetrics metrics;

    Restoring restoring(String doc, int windows) {
        return restoring(doc, windows, IntakeBound.unbounded());
    }

    Restoring restoring(String doc, int windows, IntakeBound intake) {
        if (workers == null) {
            EmbeddingSettings emb = new EmbeddingSettings(Pooling.MEAN, GlobalAttention.NONE, false, 0, 0);
            plan = WindowPlan.create(emb, model.engine().info(), model.tokenizer(), WindowPlan.SettingNames.CONFIG);
            metrics = new PipelineMetrics(new SimpleMeterRegistry());
            // no worker thread: nothing leaves the queue until the test steps the workers (an engine that is not taking work)
            workers = new EngineWorkers(model.engine(), new WindowQueue(BatchPolicy.forEngine(model.engine().info(), 4096, 64, 0, 0,
                    plan.maxTokens()), QUEUE), 0, 0, 10, MAX_BLOCK_MS, clock, metrics);
            budget = new AdmissionBudget(workers); // one per process, as EmbedTopology makes it
        }
        PipelineSettings settings = new PipelineSettings("docs", "embeddings", "docs-dlq", null, InputFormat.JSON, 1_000_000,
                dev.kembed.serde.RegistrySettings.of("mock://admission"), 20, false, 0, Long.MAX_VALUE, Long.MAX_VALUE, RecordLimits.DEFAULTS);
        EmbedProcessor processor = new EmbedProcessor(settings, plan, workers, budget, new OutputRecords(plan.engine(), plan.settings(), plan.fingerprint()),
                metrics, new WindowResultCache(0), intake);
        MockProcessorContext<String, Emitted> ctx = new MockProcessorContext<>();
        ctx.setCurrentSystemTimeMs(clock.nanoTime() / 1_000_000);
        KeyValueStore<String, DocState> docs = store(ctx, Names.DOCUMENT_STORE, StateSerdes.DOC_STATE);
        KeyValueStore<String, PendingWindow> pending = store(ctx, Names.PENDING_STORE, StateSerdes.PENDING_WINDOW);
        store(ctx, Names.RESULT_STORE, StateSerdes.WINDOW_RESULT);
        store(ctx, Names.INPUT_STORE, StateSerdes.DOCUMENT_INPUT);
        long generation = 42;
        docs.put(doc, new DocState(generation, null, null, Map.of(), "docs", 0, windows, 0, windows * 3,
                new double[plan.engine().dimension()], 0, null, 0));
        for (int i = 0; i < windows; i++) {
            int[] ids = {plan.engine().bosTokenId(), 10 + i % 50, 11, 12, plan.engine().eosTokenId()};
            pending.put(EmbedProcessor.pendingKey(doc, generation, i), new PendingWindow(i, ids, new int[] {0, 1, 1, 1, 0}, false, -1, -1, 3));
        }
        return new Restoring(processor, ctx, pending);
    }

    static <V> KeyValueStore<String, V> store(MockProcessorContext<?, ?> ctx, String name,
            org.apache.kafka.common.serialization.Serde<V> serde) {
        KeyValueStore<String, V> s = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(name), Serdes.String(), serde)
                .withLoggingDisabled().build();
        s.init(ctx.getStateStoreContext(), s);
        ctx.addStateStore(s);
        return s;
    }
}
