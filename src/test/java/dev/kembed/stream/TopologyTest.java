package dev.kembed.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static dev.kembed.testing.Vectors.maxDiff;

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
    TestOutputTopic<String, byte[]> chunksOut;
    AvroWireFormat wire;
    EmbeddingSettings embedding;
    WindowPlan plan;
    EngineWorkers workers;
    FakeClock clock;

    @BeforeAll
    static void openModel() {
        model = TestModels.open(TestModels.tiny(tmp.resolve("tiny")), false);
        chunkModel = KembedModel.open(tmp.resolve("tiny"), dev.kembed.engine.EngineSpec.cpu(1, 1, false)
                .withChunkSlots(dev.kembed.text.LateChunks.slotsForWindows(CHUNK_WINDOW, CHUNK_TOKENS)), "--engine");
    }

    @AfterAll
    static void closeModel() {
        model.close();
        chunkModel.close();
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
            InputFormat format, ChunkOutput chunks) {
        start(model, engine, new EmbeddingSettings(Pooling.MEAN, GlobalAttention.NONE, false, maxTokens, overlap),
                format, chunks, batchTokens, maxWaitMs);
    }

    /** Worker threads of the next {@link #start}: 0 = driven by {@link #step}. */
    int threads = 0;
    /** Queue bound of the next {@link #start}. */
    int queueMax = 10_000;

    void start(KembedModel m, dev.kembed.engine.EmbeddingEngine engine, EmbeddingSettings emb, InputFormat format, ChunkOutput chunks,
            int batchTokens, long maxWaitMs) {
        String registry = "mock://topology-test-" + (scopeCounter++);
        embedding = emb;
        PipelineSettings s = new PipelineSettings("docs", "embeddings", "docs-dlq", chunks, format, 1_000_000, dev.kembed.serde.RegistrySettings.of(registry), 20, true,
                64L << 20, Long.MAX_VALUE, Long.MAX_VALUE, RecordLimits.DEFAULTS);
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
        chunksOut = chunks == null ? null : driver.createOutputTopic(chunks.topic(), new StringDeserializer(), new ByteArrayDeserializer());
        this.registry = MockSchemaRegistry.scope(registry.substring("mock://".length()));
        wire = new AvroWireFormat(this.registry);
    }

    /** The tiny model's engine with something done before each batch (slow it down, make it fail). */
    static dev.kembed.engine.EmbeddingEngine delegating(java.util.function.Consumer<dev.kembed.engine.WindowBatch> before) {
        return delegating(model, before);
    }

    static dev.kembed.engine.EmbeddingEngine delegating(KembedModel m, java.util.function.Consumer<dev.kembed.engine.WindowBatch> before) {
        return new dev.kembed.engine.EmbeddingEngine() {
            @Override
            public dev.kembed.engine.EngineInfo info() {
                return m.engine().info();
            }

            @Override
            public dev.kembed.engine.BatchResult embed(dev.kembed.engine.WindowBatch batch) {
                before.accept(batch);
                try {
                    return m.engine().embed(batch);
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
        input.pipeInput(new TestRecord<>("out-2".getBytes(StandardCharsets.UTF_8), "{\"text\": \"json is not avro\"}".getBytes(StandardCharsets.UTF_8),
                sourceHeaders()));
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
        assertSourceHeaders(letters.get(0).headers()); // parked with its headers, replayed with them
        assertThat(metrics.parkedRecords()).isZero();
        assertThat(driver.<String, ParkedRecord>getKeyValueStore(Names.PARKED_STORE).approximateNumEntries()).isZero();
        assertThat(metrics.registryRetries()).isEqualTo(3.0);
    }

    /** The deprecated windows topic's meaning under the chunks contract: one chunk per window, of the tokens it owns. */
    @Test
    void plainTextInputAndOneChunkPerWindow() throws Exception {
        start(chunkModel, chunkModel.engine(), new EmbeddingSettings(Pooling.MEAN, GlobalAttention.NONE, false, 24, 4), InputFormat.TEXT,
                new ChunkOutput("windows", dev.kembed.text.Chunker.PER_WINDOW, dev.kembed.text.ChunkContext.WINDOW, true), 100_000, 50);
        String text = "Plain UTF-8 text, long enough to need several small windows of twenty-four tokens each, café.";
        input.pipeInput("txt".getBytes(StandardCharsets.UTF_8), text.getBytes(StandardCharsets.UTF_8));
        List<TestRecord<String, byte[]>> out = awaitOutput(1);
        assertThat(out).hasSize(1);
        int count = decode(out.get(0).value()).getWindowCount();
        assertThat(count).isGreaterThan(1);
        List<TestRecord<String, byte[]>> ws = chunksOut.readRecordsToList();
        assertThat(ws).hasSize(count);
        for (int i = 0; i < count; i++) {
            GenericRecord w = chunkValue(ws.get(i).value());
            assertThat(ws.get(i).key()).isEqualTo("txt#" + i);
            assertThat(text.substring((Integer) w.get("char_start"), (Integer) w.get("char_end"))).isNotBlank().isEqualTo(w.get("text").toString());
            assertThat((List<?>) w.get("embedding")).hasSize(32);
            assertThat(w.get("chunk_count")).isEqualTo(count);
        }
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
        input.pipeInput(new TestRecord<>("poison".getBytes(StandardCharsets.UTF_8), doc(TestModels.longText(40)).getBytes(StandardCharsets.UTF_8),
                sourceHeaders()));
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
        assertSourceHeaders(dead.get(0).headers()); // kept with the document's state while its windows ran
    }

    /** Two source headers, one binary, one repeated key: a dead letter must carry them byte for byte, in order, before kembed's. */
    static org.apache.kafka.common.header.Headers sourceHeaders() {
        return new org.apache.kafka.common.header.internals.RecordHeaders().add("trace-id", "abc-123".getBytes(StandardCharsets.UTF_8))
                .add("bin", new byte[] {0, (byte) 0xFF, 7}).add("trace-id", new byte[0]);
    }

    static void assertSourceHeaders(org.apache.kafka.common.header.Headers got) {
        org.apache.kafka.common.header.Header[] h = got.toArray();
        assertThat(h.length).isGreaterThan(3);
        assertThat(h[0].key()).isEqualTo("trace-id");
        assertThat(h[0].value()).isEqualTo("abc-123".getBytes(StandardCharsets.UTF_8));
        assertThat(h[1].key()).isEqualTo("bin");
        assertThat(h[1].value()).containsExactly(0, (byte) 0xFF, 7);
        assertThat(h[2].key()).isEqualTo("trace-id");
        assertThat(h[2].value()).isEmpty();
        assertThat(h[3].key()).isEqualTo(Names.HEADER_REASON);
    }

    /** Metadata past kembed.metadata.max.bytes and an oversized bad value: dead letters with the reason, the value cut, the sizes in headers. */
    @Test
    void oversizedMetadataAndValuesAreDeadLetteredBounded() throws Exception {
        start(100_000, 50, 0, 0);
        String meta = "{\"text\": \"fine\", \"metadata\": {\"blob\": \"" + "m".repeat(RecordLimits.DEFAULT_METADATA_MAX_BYTES) + "\"}}";
        send("big-meta", meta);
        byte[] huge = ("{\"text\": \"" + "y".repeat(RecordLimits.DEFAULT_DLQ_MAX_VALUE_BYTES * 2)).getBytes(StandardCharsets.UTF_8);
        input.pipeInput("huge".getBytes(StandardCharsets.UTF_8), huge);
        send("k".repeat(RecordLimits.ID_MAX_BYTES + 1), doc("an id too long to copy into every record"));
        send("fine", doc("short"));
        assertThat(awaitOutput(1)).extracting(TestRecord::key).containsExactly("fine");
        List<TestRecord<byte[], byte[]>> dead = dlq.readRecordsToList();
        assertThat(dead).extracting(r -> new String(r.headers().lastHeader(Names.HEADER_REASON).value(), StandardCharsets.UTF_8))
                .containsExactly("metadata-too-large", "invalid-json", "key-too-long");
        TestRecord<byte[], byte[]> h = dead.get(1);
        assertThat(h.value()).hasSize(RecordLimits.DEFAULT_DLQ_MAX_VALUE_BYTES).isEqualTo(java.util.Arrays.copyOf(huge, RecordLimits.DEFAULT_DLQ_MAX_VALUE_BYTES));
        assertThat(new String(h.headers().lastHeader(Names.HEADER_VALUE_BYTES).value(), StandardCharsets.UTF_8)).isEqualTo(Integer.toString(huge.length));
        assertThat(new String(h.headers().lastHeader(Names.HEADER_TRUNCATED).value(), StandardCharsets.UTF_8)).isEqualTo("value");
        assertThat(new String(h.headers().lastHeader(Names.HEADER_MESSAGE).value(), StandardCharsets.UTF_8).length())
                .isLessThanOrEqualTo(RecordLimits.MESSAGE_MAX_CHARS);
        assertThat(dead.get(0).headers().lastHeader(Names.HEADER_TRUNCATED)).as("a value under the bound is whole").isNull();
        assertThat(dead.get(2).key()).hasSize(RecordLimits.DLQ_MAX_KEY_BYTES);
        assertThat(new String(dead.get(2).headers().lastHeader(Names.HEADER_TRUNCATED).value(), StandardCharsets.UTF_8)).isEqualTo("key");
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

    // ---- chunks topic ----

    static final int CHUNK_WINDOW = 48;
    static final int CHUNK_TOKENS = 12;
    static KembedModel chunkModel;
    final java.util.concurrent.atomic.AtomicBoolean failBatches = new java.util.concurrent.atomic.AtomicBoolean();
    /** The document record {@link #emitVersion} last saw. */
    DocumentEmbedding lastDocument;

    /** Windows of 48 tokens cut at text boundaries with an overlap of 8, chunks of at most 12 tokens; counts what reaches the engine. */
    void startChunks(dev.kembed.text.ChunkContext context, Pooling pooling) {
        start(chunkModel, delegating(chunkModel, batch -> {
                    if (failBatches.get() && batch.windows().stream().anyMatch(w -> w.length() > 20)) { // the health check's short window passes
                        throw dev.kembed.engine.EngineException.transientFailure("simulated device error", null);
                    }
                    sentWindows.addAndGet(batch.windows().size());
                }), new EmbeddingSettings(pooling, GlobalAttention.NONE, false, CHUNK_WINDOW, 8, dev.kembed.text.Boundaries.TEXT),
                InputFormat.JSON, new ChunkOutput("chunks", new dev.kembed.text.Chunker(CHUNK_TOKENS), context, true), 100_000, 50);
    }

    GenericRecord chunkValue(byte[] value) {
        return wire.read(value, dev.kembed.avro.ChunkEmbedding.getClassSchema());
    }

    /**
     * Sends one version and steps until its document record is out; no chunk record may appear
     * before it (a reader never sees part of a version). Returns the chunk records written with it.
     */
    List<TestRecord<String, byte[]>> emitVersion(String id, String json) throws Exception {
        sentWindows.set(0);
        send(id, json);
        for (int i = 0; i < 500; i++) {
            step();
            List<TestRecord<String, byte[]>> docs = output.readRecordsToList();
            List<TestRecord<String, byte[]>> chunks = chunksOut.readRecordsToList();
            if (!docs.isEmpty()) {
                assertThat(docs).singleElement().satisfies(d -> assertThat(d.key()).isEqualTo(id));
                lastDocument = decode(docs.get(0).value());
                return chunks;
            }
            assertThat(chunks).as("no chunk goes out before its document is complete").isEmpty();
        }
        throw new AssertionError("no output for " + id);
    }

    /** The chunk records of one version are its chunks 0..n-1 exactly, with spans, text, keys and vectors of the reference path. */
    void assertChunksOf(String id, String text, List<TestRecord<String, byte[]>> records, dev.kembed.text.ChunkContext context, double tolerance) {
        DirectEmbedder.ChunkedDocument ref = new DirectEmbedder(plan, chunkModel.engine(), 16384)
                .embedChunks(text, new dev.kembed.text.Chunker(CHUNK_TOKENS), context);
        List<TestRecord<String, byte[]>> upserts = records.stream().filter(r -> r.value() != null).toList();
        assertThat(upserts).hasSize(ref.chunks().size());
        int tokens = 0;
        for (int i = 0; i < upserts.size(); i++) {
            GenericRecord r = chunkValue(upserts.get(i).value());
            dev.kembed.text.Chunk c = ref.chunks().get(i);
            assertThat(upserts.get(i).key()).isEqualTo(id + "#" + i).isEqualTo(r.get("chunk_id").toString());
            assertThat(r.get("point_id").toString()).isEqualTo(java.util.UUID.nameUUIDFromBytes((id + "#" + i).getBytes(StandardCharsets.UTF_8)).toString());
            assertThat(r.get("chunk_index")).isEqualTo(i);
            assertThat(r.get("chunk_count")).isEqualTo(ref.chunks().size());
            assertThat(r.get("token_start")).as("chunks tile the content tokens").isEqualTo(tokens);
            tokens = (Integer) r.get("token_end");
            assertThat(r.get("token_count")).isEqualTo(c.tokenCount()).isEqualTo(tokens - (Integer) r.get("token_start"));
            assertThat(r.get("text").toString()).isEqualTo(text.substring((Integer) r.get("char_start"), (Integer) r.get("char_end")))
                    .isEqualTo(c.text());
            assertThat(r.get("context").toString()).isEqualTo(context.label());
            assertThat(maxDiff(dev.kembed.testing.TestSupport.embedding(r), ref.vectors().get(i))).as("chunk %d vs the reference path", i).isLessThanOrEqualTo(tolerance);
        }
        assertThat(tokens).isEqualTo(ref.document().tokens());
    }

    static List<String> tombstoneKeys(List<TestRecord<String, byte[]>> records) {
        return records.stream().filter(r -> r.value() == null).map(TestRecord::key).toList();
    }

    @Test
    void chunksGoOutWithTheirVersionKeepTheirKeysAndVanishedOnesAreRetracted() throws Exception {
        startChunks(dev.kembed.text.ChunkContext.WINDOW, Pooling.MEAN);
        String v1 = paragraphs(12, 3);
        String v2 = paragraphs(20, 4); // more chunks
        String v3 = paragraphs(5, 5); // fewer
        List<TestRecord<String, byte[]>> r1 = emitVersion("doc", doc(v1));
        assertThat(plan.cut(v1).windows()).as("several windows, so chunks straddle them").hasSizeGreaterThan(2);
        assertChunksOf("doc", v1, r1, dev.kembed.text.ChunkContext.WINDOW, 1e-5);
        assertThat(tombstoneKeys(r1)).isEmpty();
        int n1 = r1.size();

        List<TestRecord<String, byte[]>> r2 = emitVersion("doc", doc(v2));
        assertChunksOf("doc", v2, r2, dev.kembed.text.ChunkContext.WINDOW, 1e-5);
        int n2 = r2.size();
        assertThat(n2).isGreaterThan(n1);
        assertThat(tombstoneKeys(r2)).isEmpty();

        List<TestRecord<String, byte[]>> r3 = emitVersion("doc", doc(v3));
        assertChunksOf("doc", v3, r3, dev.kembed.text.ChunkContext.WINDOW, 1e-5);
        int n3 = (int) r3.stream().filter(r -> r.value() != null).count();
        assertThat(n3).isLessThan(n2);
        assertThat(tombstoneKeys(r3)).as("the keys v3 no longer has").containsExactlyElementsOf(
                java.util.stream.IntStream.range(n3, n2).mapToObj(i -> "doc#" + i).toList());
        assertThat(driver.<String, Integer>getKeyValueStore(Names.CHUNK_COUNT_STORE).get("doc")).isEqualTo(n3);

        send("doc", null);
        step();
        assertThat(output.readRecordsToList()).singleElement().satisfies(r -> assertThat(r.value()).isNull());
        assertThat(tombstoneKeys(chunksOut.readRecordsToList())).containsExactlyElementsOf(
                java.util.stream.IntStream.range(0, n3).mapToObj(i -> "doc#" + i).toList());
        assertThat(driver.<String, Integer>getKeyValueStore(Names.CHUNK_COUNT_STORE).get("doc")).isNull();

        List<TestRecord<String, byte[]>> again = emitVersion("doc", doc(v1));
        assertChunksOf("doc", v1, again, dev.kembed.text.ChunkContext.WINDOW, 1e-5);
        assertThat(tombstoneKeys(again)).isEmpty();
        assertThat(driver.<String, dev.kembed.text.Chunk>getKeyValueStore(Names.PENDING_CHUNK_STORE).approximateNumEntries())
                .as("nothing is left in flight").isZero();
        assertThat(pipeline.metrics().registry().get("kembed.chunks.out").counter().count()).isEqualTo(n1 + n2 + n3 + n1);
    }

    @Test
    void aDeadLetteredVersionWritesNoChunksAndASupersededOneNeverAppears() throws Exception {
        startChunks(dev.kembed.text.ChunkContext.WINDOW, Pooling.MEAN);
        String v1 = paragraphs(10, 11);
        int n1 = emitVersion("doc", doc(v1)).size();

        failBatches.set(true); // v2 fails in the engine: it goes to the DLQ, the document and its chunks stay at v1
        send("doc", doc(paragraphs(3, 12)));
        List<TestRecord<byte[], byte[]>> dead = new ArrayList<>();
        for (int i = 0; i < 100 && dead.isEmpty(); i++) {
            step();
            dead.addAll(dlq.readRecordsToList());
        }
        assertThat(dead).singleElement().satisfies(d -> assertThat(new String(d.headers().lastHeader(Names.HEADER_OFFSET).value(),
                StandardCharsets.UTF_8)).as("the dead letter names v2's record").isEqualTo("1"));
        assertThat(output.readRecordsToList()).isEmpty();
        assertThat(chunksOut.readRecordsToList()).isEmpty();
        assertThat(driver.<String, Integer>getKeyValueStore(Names.CHUNK_COUNT_STORE).get("doc")).isEqualTo(n1);
        failBatches.set(false);

        // v3 is superseded by v4 before any of its windows ran: only v4 is ever written, and it retracts v1's extra keys
        String v4 = paragraphs(4, 14);
        send("doc", doc(paragraphs(30, 13)));
        List<TestRecord<String, byte[]>> r4 = emitVersion("doc", doc(v4));
        assertChunksOf("doc", v4, r4, dev.kembed.text.ChunkContext.WINDOW, 1e-5);
        int n4 = (int) r4.stream().filter(r -> r.value() != null).count();
        assertThat(tombstoneKeys(r4)).containsExactlyElementsOf(java.util.stream.IntStream.range(n4, n1).mapToObj(i -> "doc#" + i).toList());
        for (TestRecord<String, byte[]> r : r4) {
            if (r.value() != null) {
                assertThat(chunkValue(r.value()).get("source_offset")).isEqualTo(3L);
            }
        }
        step();
        assertThat(output.readRecordsToList()).isEmpty();
        assertThat(chunksOut.readRecordsToList()).isEmpty();
    }

    @Test
    void chunkContextEmbedsEachChunkAloneAsEmbedOfItsTextWould() throws Exception {
        startChunks(dev.kembed.text.ChunkContext.CHUNK, Pooling.CLS);
        String text = paragraphs(8, 21);
        List<TestRecord<String, byte[]>> records = emitVersion("doc", doc(text));
        assertChunksOf("doc", text, records, dev.kembed.text.ChunkContext.CHUNK, 1e-6);
        DirectEmbedder direct = new DirectEmbedder(plan, chunkModel.engine(), 16384);
        GenericRecord first = chunkValue(records.get(0).value());
        assertThat(maxDiff(dev.kembed.testing.TestSupport.embedding(first), direct.embed(first.get("text").toString()).vector())).isLessThanOrEqualTo(1e-6);
        assertThat(first.get("pooling").toString()).isEqualTo("cls");
        // the chunks' own sequences are not part of the document: its vector and window count are those of its windows
        assertThat(lastDocument.getWindowCount()).isEqualTo(plan.cut(text).windows().size());
        float[] doc = new float[lastDocument.getEmbedding().size()];
        for (int i = 0; i < doc.length; i++) {
            doc[i] = lastDocument.getEmbedding().get(i);
        }
        assertThat(maxDiff(doc, direct.embed(text).vector())).isLessThanOrEqualTo(1e-6);
    }

    @Test
    void anEditOfOneParagraphSendsOnlyTheChangedWindowsAndItsChunkVectorsEqualAFreshRun() throws Exception {
        startChunks(dev.kembed.text.ChunkContext.WINDOW, Pooling.MEAN);
        String v1 = paragraphs(30, 1);
        String[] paras = v1.split("\n\n");
        paras[15] = "an entirely new paragraph about search. it replaces the old one.";
        String v2 = String.join("\n\n", paras);
        emitVersion("doc", doc(v1));
        int windowsV1 = sentWindows.get();
        List<TestRecord<String, byte[]>> r2 = emitVersion("doc", doc(v2));
        int sent = sentWindows.get();
        System.out.printf("chunk edit: %d windows, %d sent again%n", windowsV1, sent);
        assertThat(windowsV1).isGreaterThan(8);
        assertThat(sent).isGreaterThan(0).isLessThanOrEqualTo(3);
        assertChunksOf("doc", v2, r2, dev.kembed.text.ChunkContext.WINDOW, 1e-6);
    }

    @Test
    void preTokenizedInputHasChunksWithoutText() throws Exception {
        startChunks(dev.kembed.text.ChunkContext.WINDOW, Pooling.MEAN);
        StringBuilder ids = new StringBuilder();
        for (int i = 0; i < 100; i++) {
            ids.append(i == 0 ? "" : ", ").append(10 + i % 40);
        }
        List<TestRecord<String, byte[]>> records = emitVersion("ids", "{\"input_ids\": [" + ids + "]}");
        assertThat(records).hasSize((100 + CHUNK_TOKENS - 1) / CHUNK_TOKENS);
        for (TestRecord<String, byte[]> r : records) {
            GenericRecord c = chunkValue(r.value());
            assertThat(c.get("text")).isNull();
            assertThat(c.get("char_start")).isEqualTo(-1);
            assertThat(c.get("char_end")).isEqualTo(-1);
        }
    }
}
