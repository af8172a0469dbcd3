package dev.kembed.stream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kembed.app.KembedModel;
import dev.kembed.embed.DirectEmbedder;
import dev.kembed.avro.DocumentEmbedding;
import dev.kembed.serde.AvroWireFormat;
import dev.kembed.serde.MockSchemaRegistry;
import dev.kembed.engine.queue.BatchPolicy;
import dev.kembed.engine.queue.EngineWorkers;
import dev.kembed.engine.queue.WindowQueue;
import dev.kembed.testing.FakeClock;
import dev.kembed.testing.TestModels;
import dev.kembed.text.EmbeddingSettings;
import dev.kembed.text.GlobalAttention;
import dev.kembed.text.Pooling;
import dev.kembed.text.WindowPlan;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.Properties;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.api.io.TempDir;

/**
 * The topology with the real ONNX Runtime engine on a tiny random checkpoint. The engine workers
 * run without threads on a fake clock: each test step runs the batches that are due, then fires
 * the drain punctuator, so nothing waits on real time.
 */
class TopologyTest {
    @TempDir
    static Path tmp;

    static KembedModel model;
    static int scopeCounter;
    /** One permit per batch a {@link #delegating} engine finished: real worker threads are awaited on it, never slept for. */
    static final java.util.concurrent.Semaphore BATCHES_DONE = new java.util.concurrent.Semaphore(0);
    MockSchemaRegistry registry;

    TopologyTestDriver driver;
    EmbeddingPipeline pipeline;
    TestInputTopic<byte[], byte[]> input;
    TestOutputTopic<String, byte[]> output;
    TestOutputTopic<byte[], byte[]> dlq;
    AvroWireFormat wire;
    EmbeddingSettings embedding;
    WindowPlan plan;
    EngineWorkers workers;
    FakeClock clock;

    @BeforeAll
    static void openModel() {
        model = TestModels.open(TestModels.tiny(tmp.resolve("tiny")), false);
    }

    @AfterAll
    static void closeModel() {
        model.close();
    }

    @AfterEach
    void closeDriver() {
        if (driver != null) {
            driver.close();
        }
        if (workers != null) {
            workers.close();
        }
    }

    void start(int batchTokens, long maxWaitMs, int maxTokens, int overlap) {
        start(batchTokens, maxWaitMs, maxTokens, overlap, model.engine());
    }

    void start(int batchTokens, long maxWaitMs, int maxTokens, int overlap, dev.kembed.engine.EmbeddingEngine engine) {
        start(batchTokens, maxWaitMs, maxTokens, overlap, engine, InputFormat.JSON, null);
    }

    void start(int batchTokens, long maxWaitMs, int maxTokens, int overlap, dev.kembed.engine.EmbeddingEngine engine,
            InputFormat format, String windowsTopic) {
        start(model, engine, new EmbeddingSettings(Pooling.MEAN, GlobalAttention.NONE, false, maxTokens, overlap),
                format, windowsTopic, batchTokens, maxWaitMs);
    }

    /** Worker threads of the next {@link #start}: 0 = driven by {@link #step}. */
    int threads = 0;
    /** Queue bound of the next {@link #start}. */
    int queueMax = 10_000;

    void start(KembedModel m, dev.kembed.engine.EmbeddingEngine engine, EmbeddingSettings emb, InputFormat format, String windowsTopic,
            int batchTokens, long maxWaitMs) {
        String registry = "mock://topology-test-" + (scopeCounter++);
        embedding = emb;
        PipelineSettings s = new PipelineSettings("docs", "embeddings", "docs-dlq", windowsTopic, format, 1_000_000, dev.kembed.serde.RegistrySettings.of(registry), 20, true,
                64L << 20);
        plan = WindowPlan.create(emb, engine.info(), m.tokenizer(), WindowPlan.SettingNames.CONFIG);
        clock = new FakeClock();
        PipelineMetrics metrics = new PipelineMetrics(new SimpleMeterRegistry());
        workers = new EngineWorkers(engine, new WindowQueue(BatchPolicy.forEngine(engine.info(), batchTokens, 64, maxWaitMs, 0, plan.maxTokens()), queueMax),
                threads, 1, 10, 1_000, clock, metrics);
        metrics.watch(workers);
        pipeline = new EmbeddingPipeline(s, plan, workers, metrics);
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "kembed-topology-test");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "dummy:9092");
        p.put(StreamsConfig.STATE_DIR_CONFIG, tmp.resolve("state-" + scopeCounter).toString());
        driver = new TopologyTestDriver(pipeline.topology(), p);
        input = driver.createInputTopic("docs", new ByteArraySerializer(), new ByteArraySerializer());
        output = driver.createOutputTopic("embeddings", new StringDeserializer(), new ByteArrayDeserializer());
        dlq = driver.createOutputTopic("docs-dlq", new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.registry = MockSchemaRegistry.scope(registry.substring("mock://".length()));
        wire = new AvroWireFormat(this.registry);
    }

    /** The tiny model's engine with something done before each batch (slow it down, make it fail). */
    static dev.kembed.engine.EmbeddingEngine delegating(java.util.function.Consumer<dev.kembed.engine.WindowBatch> before) {
        return new dev.kembed.engine.EmbeddingEngine() {
            @Override
            public dev.kembed.engine.EngineInfo info() {
                return model.engine().info();
            }

            @Override
            public dev.kembed.engine.BatchResult embed(dev.kembed.engine.WindowBatch batch) {
                before.accept(batch);
                try {
                    return model.engine().embed(batch);
                } finally {
                    BATCHES_DONE.release();
                }
            }

            @Override
            public void close() {}
        };
    }

    void send(String key, String json) {
        input.pipeInput(key == null ? null : key.getBytes(StandardCharsets.UTF_8), json == null ? null : json.getBytes(StandardCharsets.UTF_8));
    }

    static String doc(String text) {
        return "{\"text\": " + com.fasterxml.jackson.databind.node.TextNode.valueOf(text) + "}";
    }

    /** 20 ms of time: the engine runs what is due, then the drain punctuator fires. */
    void step() {
        clock.advance(Duration.ofMillis(20));
        if (threads == 0) {
            while (workers.step()) {
                // run every batch that is due
            }
        }
        driver.advanceWallClockTime(Duration.ofMillis(20));
    }

    /** Steps until {@code n} records are out, for at most 10 s of fake time (no real waiting). */
    List<TestRecord<String, byte[]>> awaitOutput(int n) throws InterruptedException {
        List<TestRecord<String, byte[]>> got = new ArrayList<>();
        for (int i = 0; i < 500 && got.size() < n; i++) {
            step();
            got.addAll(output.readRecordsToList());
            if (threads > 0 && got.size() < n) {
                BATCHES_DONE.tryAcquire(1, java.util.concurrent.TimeUnit.SECONDS); // real workers: until their next batch is done
            }
        }
        return got;
    }

    DocumentEmbedding decode(byte[] value) {
        GenericRecord r = wire.read(value, DocumentEmbedding.getClassSchema());
        List<Float> emb = new ArrayList<>();
        for (Object o : (List<?>) r.get("embedding")) {
            emb.add(((Number) o).floatValue());
        }
        return DocumentEmbedding.newBuilder().setId(r.get("id").toString()).setVersion((Long) r.get("version"))
                .setModel(r.get("model").toString()).setModelFingerprint(r.get("model_fingerprint").toString())
                .setPooling(r.get("pooling").toString()).setNormalized((Boolean) r.get("normalized"))
                .setDimension((Integer) r.get("dimension")).setTokenCount((Integer) r.get("token_count"))
                .setWindowCount((Integer) r.get("window_count")).setEmbedding(emb)
                .setMetadata(r.get("metadata") == null ? null : toStrings(r.get("metadata")))
                .setSourceTopic(r.get("source_topic").toString()).setSourcePartition((Integer) r.get("source_partition"))
                .setSourceOffset((Long) r.get("source_offset")).build();
    }

    static java.util.Map<String, String> toStrings(Object m) {
        java.util.Map<String, String> out = new java.util.LinkedHashMap<>();
        ((java.util.Map<?, ?>) m).forEach((k, v) -> out.put(k.toString(), v.toString()));
        return out;
    }

    @Test
    void flushesAfterMaxWaitWithIdleInputAndMatchesKembedEmbed() throws Exception {
        start(100_000, 200, 0, 0);
        String text = "Kafka keeps messages in partitions, ordered logs that consumers read at their own pace.";
        send("doc-1", "{\"text\": \"" + text + "\", \"metadata\": {\"lang\": \"en\"}, \"version\": 7}");
        List<TestRecord<String, byte[]>> out = awaitOutput(1);
        assertThat(out).hasSize(1);
        DocumentEmbedding e = decode(out.get(0).value());
        assertThat(out.get(0).key()).isEqualTo("doc-1");
        assertThat(e.getVersion()).isEqualTo(7L);
        assertThat(e.getMetadata()).containsEntry("lang", "en");
        assertThat(e.getSourceTopic()).isEqualTo("docs");
        assertThat(e.getSourceOffset()).isZero();
        assertThat(e.getDimension()).isEqualTo(32);
        float[] direct = new DirectEmbedder(plan, model.engine(), 16384).embed(text).vector();
        for (int i = 0; i < direct.length; i++) {
            assertThat(e.getEmbedding().get(i)).isCloseTo(direct[i], org.assertj.core.data.Offset.offset(1e-5f));
        }
        assertThat(driver.<String, DocState>getKeyValueStore(Names.DOCUMENT_STORE).get("doc-1")).as("state deleted after emit").isNull();
    }

    @Test
    void newerVersionSupersedesTheOlderOne() throws Exception {
        start(100_000, 500, 0, 0);
        send("d", "{\"text\": \"the first version of the document\", \"version\": 1}");
        send("d", "{\"text\": \"the second, longer version of the same document id\", \"version\": 2}");
        assertThat(driver.<String, PendingWindow>getKeyValueStore(Names.PENDING_STORE).approximateNumEntries()).isEqualTo(1);
        List<TestRecord<String, byte[]>> out = awaitOutput(1);
        for (int i = 0; i < 50; i++) {
            step();
        }
        out.addAll(output.readRecordsToList());
        assertThat(out).hasSize(1);
        assertThat(decode(out.get(0).value()).getVersion()).isEqualTo(2L);
        assertThat(decode(out.get(0).value()).getSourceOffset()).isEqualTo(1L);
    }

    @Test
    void tombstoneDropsPendingStateAndForwardsATombstone() throws Exception {
        start(100_000, 500, 0, 0);
        send("gone", doc("a document that is deleted before it is embedded"));
        send("gone", null);
        List<TestRecord<String, byte[]>> out = output.readRecordsToList();
        assertThat(out).hasSize(1);
        assertThat(out.get(0).key()).isEqualTo("gone");
        assertThat(out.get(0).value()).isNull();
        assertThat(driver.<String, DocState>getKeyValueStore(Names.DOCUMENT_STORE).get("gone")).isNull();
        for (int i = 0; i < 50; i++) {
            step(); // 1 s of fake time, twice the batch wait
        }
        assertThat(output.readRecordsToList()).as("nothing emitted for the deleted document").isEmpty();
    }

    /** A tombstone names the document it deletes by the same key rule as a value. */
    @Test
    void tombstonesWithAnInvalidKeyGoToTheDeadLetterTopic() throws Exception {
        start(100_000, 500, 0, 0);
        send("", null);
        send("bad\u0000key", null);
        send(null, null);
        send("fine", null);
        List<String> reasons = dlq.readRecordsToList().stream()
                .map(r -> new String(r.headers().lastHeader(Names.HEADER_REASON).value(), StandardCharsets.UTF_8)).toList();
        assertThat(reasons).containsExactly("invalid-key", "invalid-key", "null-key");
        List<TestRecord<String, byte[]>> out = output.readRecordsToList();
        assertThat(out).singleElement().satisfies(r -> {
            assertThat(r.key()).isEqualTo("fine");
            assertThat(r.value()).isNull();
        });
    }

    @Test
    void documentLargerThanOneBatch() throws Exception {
        start(64, 50, 32, 4); // 32-token windows, budget of two windows per batch
        String text = TestModels.longText(300);
        send("big", doc(text));
        List<TestRecord<String, byte[]>> out = awaitOutput(1);
        assertThat(out).hasSize(1);
        DocumentEmbedding e = decode(out.get(0).value());
        assertThat(e.getWindowCount()).isGreaterThan(10);
        // every window is queued before the first batch is cut, and two 32-token windows fill the 64-token budget
        assertThat(pipeline.metrics().batches()).isEqualTo((e.getWindowCount() + 1) / 2);
        assertThat(pipeline.metrics().registry().get("kembed.batch.windows").summary().max()).isEqualTo(2.0);
        float[] direct = new DirectEmbedder(plan, model.engine(), 16384).embed(text).vector();
        for (int i = 0; i < direct.length; i++) {
            assertThat(e.getEmbedding().get(i)).isCloseTo(direct[i], org.assertj.core.data.Offset.offset(1e-5f));
        }
    }

    /**
     * A document of 30+ windows against a queue of 4 that nothing drains: process() waits one
     * kembed.queue.max.block.ms (1 s here, on the fake clock) in all, not one per window, and
     * returns; the rest stay pending and go as the engine frees space. The vector is unchanged.
     */
    @Test
    void aLongDocumentAgainstAFullQueueWaitsOneBoundThenFlowsAsSpaceFrees() throws Exception {
        queueMax = 4;
        start(64, 0, 32, 4);
        String text = TestModels.longText(1200);
        send("big", doc(text));
        assertThat(clock.waitedNanos()).as("one bound for the whole document").isEqualTo(Duration.ofSeconds(1).toNanos());
        assertThat(workers.queued()).isEqualTo(4);
        long pendingWindows = driver.<String, PendingWindow>getKeyValueStore(Names.PENDING_STORE).approximateNumEntries();
        assertThat(pendingWindows).isGreaterThanOrEqualTo(30);
        List<TestRecord<String, byte[]>> out = awaitOutput(1);
        assertThat(out).hasSize(1);
        DocumentEmbedding e = decode(out.get(0).value());
        assertThat((long) e.getWindowCount()).isEqualTo(pendingWindows);
        assertThat(clock.waitedNanos()).as("punctuations never wait").isEqualTo(Duration.ofSeconds(1).toNanos());
        float[] direct = new DirectEmbedder(plan, model.engine(), 16384).embed(text).vector();
        for (int i = 0; i < direct.length; i++) {
            assertThat(e.getEmbedding().get(i)).isCloseTo(direct[i], org.assertj.core.data.Offset.offset(1e-5f));
        }
    }

    @Test
    void manySmallDocumentsShareOneBatch() throws Exception {
        start(100_000, 400, 0, 0);
        for (int i = 0; i < 20; i++) {
            send("small-" + i, doc("short document number " + i));
        }
        List<TestRecord<String, byte[]>> out = awaitOutput(20);
        assertThat(out).hasSize(20);
        assertThat(out.stream().map(TestRecord::key).distinct()).hasSize(20);
        assertThat(pipeline.metrics().registry().get("kembed.batch.windows").summary().max()).isGreaterThanOrEqualTo(20);
    }

    @Test
    void badInputGoesToTheDeadLetterTopicAndTheStreamGoesOn() throws Exception {
        start(100_000, 50, 0, 0);
        send(null, doc("no key"));
        send("k1", "{not json");
        send("k2", "{\"title\": \"no text\"}");
        send("k3", doc("   "));
        send("k4", "{\"input_ids\": [5, 99999]}");
        send("ok", doc("a good document after the bad ones"));
        input.pipeInput("k5".getBytes(StandardCharsets.UTF_8), new byte[] {(byte) 0xC3, (byte) 0x28});
        var dead = dlq.readRecordsToList();
        assertThat(dead).hasSize(6);
        List<String> reasons = dead.stream().map(r -> new String(r.headers().lastHeader(Names.HEADER_REASON).value(), StandardCharsets.UTF_8)).toList();
        assertThat(reasons).containsExactly("null-key", "invalid-json", "missing-text", "blank-text", "invalid-token-id", "invalid-utf8");
        assertThat(new String(dead.get(1).headers().lastHeader(Names.HEADER_OFFSET).value(), StandardCharsets.UTF_8)).isEqualTo("1");
        assertThat(dead.get(1).value()).isEqualTo("{not json".getBytes(StandardCharsets.UTF_8));
        assertThat(awaitOutput(1)).extracting(TestRecord::key).containsExactly("ok");
    }

    @Test
    void preTokenizedInputIsEmbedded() throws Exception {
        start(100_000, 50, 0, 0);
        send("ids", "{\"input_ids\": [50, 60, 70, 80]}");
        List<TestRecord<String, byte[]>> out = awaitOutput(1);
        assertThat(out).hasSize(1);
        assertThat(decode(out.get(0).value()).getTokenCount()).isEqualTo(4);
    }

    @Test
    void streamThreadKeepsConsumingWhileTheEngineWorks() throws Exception {
        java.util.concurrent.CountDownLatch entered = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        dev.kembed.engine.EmbeddingEngine held = delegating(batch -> {
            entered.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        threads = 1; // a real worker thread, held inside the engine until released
        start(64, 0, 0, 0, held);
        send("first", doc("the first document keeps the engine busy"));
        assertThat(entered.await(10, java.util.concurrent.TimeUnit.SECONDS)).as("engine busy").isTrue();
        for (int i = 0; i < 10; i++) {
            send("next-" + i, doc("document " + i + " arrives while the engine is busy"));
        }
        // process() returned for all ten while the engine is still inside the first batch
        assertThat(release.getCount()).isEqualTo(1);
        assertThat(driver.<String, DocState>getKeyValueStore(Names.DOCUMENT_STORE).approximateNumEntries()).isEqualTo(11);
        assertThat(workers.queued()).as("windows queued behind the busy engine").isEqualTo(10);
        release.countDown();
        assertThat(awaitOutput(11)).as("results flow once the engine is free").hasSize(11);
    }

    @Test
    void avroInputInRegistryWireFormat() throws Exception {
        start(100_000, 50, 0, 0, model.engine(), InputFormat.AVRO, null);
        dev.kembed.avro.Document d = dev.kembed.avro.Document.newBuilder().setId("ignored-key-wins").setText("an Avro document")
                .setMetadata(java.util.Map.of("source", "avro")).setVersion(3L).build();
        input.pipeInput("avro-1".getBytes(StandardCharsets.UTF_8), wire.write("docs-value", d));
        input.pipeInput("avro-2".getBytes(StandardCharsets.UTF_8), "{\"text\": \"json is not avro\"}".getBytes(StandardCharsets.UTF_8));
        byte[] unknownSchema = {0, 0, 0, 0x7f, 0x7f, 2, 3};
        input.pipeInput("avro-3".getBytes(StandardCharsets.UTF_8), unknownSchema);
        List<TestRecord<String, byte[]>> out = awaitOutput(1);
        assertThat(out).hasSize(1);
        DocumentEmbedding e = decode(out.get(0).value());
        assertThat(e.getId()).isEqualTo("avro-1");
        assertThat(e.getVersion()).isEqualTo(3L);
        assertThat(e.getMetadata()).containsEntry("source", "avro");
        assertThat(dlq.readRecordsToList()).extracting(r -> new String(r.headers().lastHeader(Names.HEADER_REASON).value(), StandardCharsets.UTF_8))
                .containsExactly("not-wire-format", "unknown-schema");
    }

    /**
     * The registry goes down for a schema id it has not served yet: the record and every later one
     * of its task are parked (not dead-lettered, no output, the stream thread returns at once), the
     * wall-clock punctuator retries with backoff, and once the registry answers they come out in
     * order, a bad record among them dead-lettered with its own source offset. Only mocked time
     * passes: the retry is a punctuation, not a sleep.
     */
    @Test
    void registryOutageDelaysRecordsAndNeverDeadLettersThem() throws Exception {
        start(100_000, 50, 0, 0, model.engine(), InputFormat.AVRO, null);
        dev.kembed.avro.Document d = dev.kembed.avro.Document.newBuilder().setId("x").setText("written while the registry was up").build();
        byte[] first = wire.write("docs-value", d);
        byte[] second = wire.write("docs-value", dev.kembed.avro.Document.newBuilder().setId("y").setText("the second document").build());
        registry.outage("schema registry mock://test unreachable: connection refused");
        input.pipeInput("out-1".getBytes(StandardCharsets.UTF_8), first);
        input.pipeInput("out-2".getBytes(StandardCharsets.UTF_8), "{\"text\": \"json is not avro\"}".getBytes(StandardCharsets.UTF_8));
        input.pipeInput("out-3".getBytes(StandardCharsets.UTF_8), second);
        PipelineMetrics metrics = pipeline.metrics();
        assertThat(metrics.parkedRecords()).as("all three wait, the bad one too: nothing overtakes").isEqualTo(3);
        assertThat(driver.<String, ParkedRecord>getKeyValueStore(Names.PARKED_STORE).approximateNumEntries()).isEqualTo(3);
        for (int i = 0; i < 100; i++) {
            step(); // 2 s of wall clock: retries at 0.5 s and 1.5 s (0.5 s doubling to 1 s)
        }
        assertThat(metrics.registryRetries()).isEqualTo(3.0);
        assertThat(output.readRecordsToList()).isEmpty();
        assertThat(dlq.readRecordsToList()).as("an outage dead-letters nothing").isEmpty();

        registry.outage(null);
        List<TestRecord<String, byte[]>> out = awaitOutput(2);
        assertThat(out).extracting(TestRecord::key).containsExactly("out-1", "out-3");
        assertThat(decode(out.get(0).value()).getSourceOffset()).isEqualTo(0L);
        assertThat(decode(out.get(1).value()).getSourceOffset()).isEqualTo(2L);
        List<TestRecord<byte[], byte[]>> letters = dlq.readRecordsToList();
        assertThat(letters).hasSize(1);
        assertThat(new String(letters.get(0).headers().lastHeader(Names.HEADER_REASON).value(), StandardCharsets.UTF_8)).isEqualTo("not-wire-format");
        assertThat(new String(letters.get(0).headers().lastHeader(Names.HEADER_OFFSET).value(), StandardCharsets.UTF_8))
                .as("the dead letter names its own record, replayed from a punctuation").isEqualTo("1");
        assertThat(metrics.parkedRecords()).isZero();
        assertThat(driver.<String, ParkedRecord>getKeyValueStore(Names.PARKED_STORE).approximateNumEntries()).isZero();
        assertThat(metrics.registryRetries()).isEqualTo(3.0);
    }

    @Test
    void plainTextInputAndThePerWindowTopic() throws Exception {
        start(100_000, 50, 24, 4, model.engine(), InputFormat.TEXT, "windows");
        var windows = driver.createOutputTopic("windows", new StringDeserializer(), new ByteArrayDeserializer());
        String text = "Plain UTF-8 text, long enough to need several small windows of twenty-four tokens each, café.";
        input.pipeInput("txt".getBytes(StandardCharsets.UTF_8), text.getBytes(StandardCharsets.UTF_8));
        List<TestRecord<String, byte[]>> out = awaitOutput(1);
        assertThat(out).hasSize(1);
        int count = decode(out.get(0).value()).getWindowCount();
        assertThat(count).isGreaterThan(1);
        List<TestRecord<String, byte[]>> ws = windows.readRecordsToList();
        assertThat(ws).hasSize(count);
        java.util.Set<Integer> indexes = new java.util.HashSet<>();
        for (TestRecord<String, byte[]> r : ws) {
            GenericRecord w = wire.read(r.value(), dev.kembed.avro.WindowEmbedding.getClassSchema());
            int start = (Integer) w.get("char_start");
            int end = (Integer) w.get("char_end");
            assertThat(text.substring(start, end)).isNotBlank();
            assertThat((List<?>) w.get("embedding")).hasSize(32);
            indexes.add((Integer) w.get("window_index"));
        }
        assertThat(indexes).hasSize(count);
    }

    @Test
    void engineFailureSendsTheDocumentToTheDlqAndTheStreamGoesOn() throws Exception {
        dev.kembed.engine.EmbeddingEngine failing = delegating(batch -> {
            for (dev.kembed.engine.EngineWindow w : batch.windows()) {
                if (w.length() > 20) {
                    throw dev.kembed.engine.EngineException.transientFailure("simulated device error", null);
                }
            }
        });
        start(100_000, 50, 0, 0, failing);
        send("poison", doc(TestModels.longText(40)));
        send("fine", doc("short"));
        List<TestRecord<String, byte[]>> out = awaitOutput(1);
        assertThat(out).extracting(TestRecord::key).containsExactly("fine");
        List<TestRecord<byte[], byte[]>> dead = new ArrayList<>();
        for (int i = 0; i < 50 && dead.isEmpty(); i++) {
            step();
            dead.addAll(dlq.readRecordsToList());
        }
        assertThat(dead).hasSize(1);
        assertThat(new String(dead.get(0).key(), StandardCharsets.UTF_8)).isEqualTo("poison");
        assertThat(new String(dead.get(0).headers().lastHeader(Names.HEADER_REASON).value(), StandardCharsets.UTF_8)).isEqualTo("engine-failure");
        assertThat(new String(dead.get(0).headers().lastHeader(Names.HEADER_MESSAGE).value(), StandardCharsets.UTF_8)).contains("simulated device error");
        assertThat(driver.<String, DocState>getKeyValueStore(Names.DOCUMENT_STORE).get("poison")).isNull();
    }

    @Test
    void clsPoolingWithGlobalAttentionMatchesKembedEmbed() throws Exception {
        try (KembedModel global = TestModels.open(TestModels.tiny(tmp.resolve("tiny")), true)) {
            start(global, global.engine(), new EmbeddingSettings(Pooling.CLS, GlobalAttention.AUTO, true, 64, 8),
                    InputFormat.JSON, null, 100_000, 50);
            String text = TestModels.longText(120);
            send("g", doc(text));
            List<TestRecord<String, byte[]>> out = awaitOutput(1);
            assertThat(out).hasSize(1);
            DocumentEmbedding e = decode(out.get(0).value());
            assertThat(e.getPooling()).isEqualTo("cls");
            assertThat(e.getWindowCount()).isGreaterThan(1);
            DirectEmbedder direct = new DirectEmbedder(plan, global.engine(), 16384);
            float[] want = direct.embed(text).vector();
            for (int i = 0; i < want.length; i++) {
                assertThat(e.getEmbedding().get(i)).isCloseTo(want[i], org.assertj.core.data.Offset.offset(1e-5f));
            }
            // and global attention changes the answer: the same text without it differs
            float[] none = new DirectEmbedder(global.plan(new EmbeddingSettings(Pooling.CLS, GlobalAttention.NONE, true, 64, 8),
                    WindowPlan.SettingNames.CLI), global.engine(), 16384).embed(text).vector();
            double diff = 0;
            for (int i = 0; i < want.length; i++) {
                diff = Math.max(diff, Math.abs(want[i] - none[i]));
            }
            assertThat(diff).isGreaterThan(1e-3);
            driver.close();
            driver = null;
            workers.close();
            workers = null;
        }
    }

    // ---- window reuse ----

    static final String[] WORDS = ("kafka stream record partition offset broker consumer group window token model vector index search "
            + "document update embedding cluster replica leader follower commit").split(" ");

    static String paragraphs(int n, long seed) {
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(seed);
        List<String> paras = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            StringBuilder p = new StringBuilder();
            int sentences = 2 + rnd.nextInt(2);
            for (int k = 0; k < sentences; k++) {
                int words = 4 + rnd.nextInt(6);
                for (int w = 0; w < words; w++) {
                    p.append(WORDS[rnd.nextInt(WORDS.length)]).append(w == words - 1 ? ". " : " ");
                }
            }
            paras.add(p.toString().strip());
        }
        return String.join("\n\n", paras);
    }

    final java.util.concurrent.atomic.AtomicInteger sentWindows = new java.util.concurrent.atomic.AtomicInteger();

    void startReusing(int overlap) {
        start(model, delegating(batch -> sentWindows.addAndGet(batch.windows().size())),
                new EmbeddingSettings(Pooling.MEAN, GlobalAttention.NONE, false, 48, overlap, dev.kembed.text.Boundaries.TEXT),
                InputFormat.JSON, null, 100_000, 50);
    }

    /** Sends one version and returns its vector; {@code sentWindows} counts what reached the engine. */
    float[] embedVersion(String id, String text) throws Exception {
        sentWindows.set(0);
        send(id, doc(text));
        List<TestRecord<String, byte[]>> out = awaitOutput(1);
        assertThat(out).hasSize(1);
        List<Float> e = decode(out.get(0).value()).getEmbedding();
        float[] v = new float[e.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = e.get(i);
        }
        return v;
    }

    void assertSameVector(float[] got, String text) {
        float[] scratch = new DirectEmbedder(plan, model.engine(), 16384).embed(text).vector();
        double max = 0;
        for (int i = 0; i < scratch.length; i++) {
            max = Math.max(max, Math.abs(got[i] - scratch[i]));
        }
        assertThat(max).as("reuse vs from scratch").isLessThanOrEqualTo(1e-6);
    }

    static Set<String> identities(WindowPlan plan, String text) {
        Set<String> ids = new java.util.HashSet<>();
        for (dev.kembed.text.TextWindow w : plan.cut(text).windows()) {
            ids.add(dev.kembed.engine.WindowIdentity.of(plan.engine(), plan.engineWindow(w)));
        }
        return ids;
    }

    @Test
    void anEditedDocumentSendsOnlyItsChangedWindowsAndMatchesFromScratch() throws Exception {
        startReusing(8);
        String v1 = paragraphs(30, 1);
        String[] paras = v1.split("\n\n");
        paras[15] = "an entirely new paragraph about search. it replaces the old one.";
        String v2 = String.join("\n\n", paras);
        embedVersion("doc", v1);
        int windowsV1 = sentWindows.get();
        assertThat(windowsV1).isGreaterThan(8);
        float[] vector = embedVersion("doc", v2);
        Set<String> changed = identities(plan, v2);
        changed.removeAll(identities(plan, v1));
        System.out.printf("edit: %d windows, %d sent again (%d identities changed)%n", windowsV1, sentWindows.get(), changed.size());
        assertThat(sentWindows.get()).isEqualTo(changed.size()).isLessThanOrEqualTo(3);
        double reused = pipeline.metrics().registry().find("kembed.windows.reused").counters().stream()
                .mapToDouble(io.micrometer.core.instrument.Counter::count).sum();
        assertThat(reused).as("every other window of v2 was reused").isEqualTo(plan.cut(v2).windows().size() - sentWindows.get());
        assertThat(pipeline.metrics().registry().get("kembed.windows.reused").tag("source", "document").counter().count())
                .as("mostly from the document's own previous version").isGreaterThan(reused / 2);
        assertSameVector(vector, v2);
        // a tombstone drops the kept results: the same text again is computed (or served by the process cache)
        send("doc", null);
        assertThat(output.readRecordsToList()).singleElement().satisfies(r -> assertThat(r.value()).isNull());
        assertThat(driver.<String, StoredResult>getKeyValueStore(Names.RESULT_STORE).prefixScan("doc\u0000",
                new org.apache.kafka.common.serialization.StringSerializer()).hasNext()).isFalse();
    }

    /** Edit one word in the first, a middle, the last window, and inside an overlap: the windows holding it are always recomputed. */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"first", "middle", "last", "overlap"})
    void aChangedWindowIsNeverReused(String where) throws Exception {
        startReusing(8);
        String v1 = paragraphs(20, 7);
        List<dev.kembed.text.TextWindow> windows = plan.cut(v1).windows();
        int at = switch (where) {
            case "first" -> windows.get(0).charStart() + 3;
            case "middle" -> windows.get(windows.size() / 2).charStart() + (windows.get(windows.size() / 2).charEnd() - windows.get(windows.size() / 2).charStart()) / 2;
            case "last" -> windows.get(windows.size() - 1).charEnd() - 3;
            default -> windows.get(3).charStart() + 2; // window 3 starts inside window 2's overlap
        };
        if (where.equals("overlap")) {
            assertThat(at).isLessThan(windows.get(2).charEnd());
        }
        int from = at;
        while (from > 0 && Character.isLetter(v1.charAt(from - 1))) {
            from--;
        }
        int to = at;
        while (to < v1.length() && Character.isLetter(v1.charAt(to))) {
            to++;
        }
        String v2 = v1.substring(0, from) + "zebra" + v1.substring(to);
        embedVersion("d-" + where, v1);
        float[] vector = embedVersion("d-" + where, v2);
        Set<String> changed = identities(plan, v2);
        changed.removeAll(identities(plan, v1));
        assertThat(changed).as("the edit changes at least one window").isNotEmpty();
        assertThat(sentWindows.get()).as("exactly the changed windows reach the engine").isEqualTo(changed.size());
        assertSameVector(vector, v2);
    }
}
