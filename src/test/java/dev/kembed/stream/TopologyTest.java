package dev.kembed.stream;

import dev.kembed.engine.BatchPolicy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kembed.app.KembedModel;
import dev.kembed.avro.DocumentEmbedding;
import dev.kembed.serde.AvroWireFormat;
import dev.kembed.serde.MockSchemaRegistry;
import dev.kembed.testing.TestModels;
import dev.kembed.text.GlobalAttention;
import dev.kembed.text.Pooling;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
import org.junit.jupiter.api.io.TempDir;

/** The topology with the real ONNX Runtime engine on a tiny random checkpoint. */
class TopologyTest {
    @TempDir
    static Path tmp;

    static KembedModel model;
    static int scopeCounter;

    TopologyTestDriver driver;
    EmbeddingPipeline pipeline;
    TestInputTopic<byte[], byte[]> input;
    TestOutputTopic<String, byte[]> output;
    TestOutputTopic<byte[], byte[]> dlq;
    AvroWireFormat wire;
    EmbeddingSettings embedding;

    @BeforeAll
    static void openModel() {
        model = KembedModel.open(TestModels.tiny(tmp.resolve("tiny")), 1, 1, false);
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
        if (pipeline != null) {
            pipeline.close();
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
        start(model, engine, new EmbeddingSettings(Pooling.MEAN, GlobalAttention.NONE, false, maxTokens, overlap, 16384),
                format, windowsTopic, batchTokens, maxWaitMs);
    }

    void start(KembedModel m, dev.kembed.engine.EmbeddingEngine engine, EmbeddingSettings emb, InputFormat format, String windowsTopic,
            int batchTokens, long maxWaitMs) {
        String registry = "mock://topology-test-" + (scopeCounter++);
        embedding = emb;
        PipelineSettings s = new PipelineSettings("docs", "embeddings", "docs-dlq", windowsTopic, format, 1_000_000, registry,
                embedding, new BatchPolicy(batchTokens, 64, maxWaitMs, m.config().padMultiple()), 10_000, 1_000, 1, 1, 10, 20);
        pipeline = new EmbeddingPipeline(s, m.tokenizer(), engine, m.config().vocabSize(), new SimpleMeterRegistry());
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "kembed-topology-test");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "dummy:9092");
        p.put(StreamsConfig.STATE_DIR_CONFIG, tmp.resolve("state-" + scopeCounter).toString());
        driver = new TopologyTestDriver(pipeline.topology(), p);
        input = driver.createInputTopic("docs", new ByteArraySerializer(), new ByteArraySerializer());
        output = driver.createOutputTopic("embeddings", new StringDeserializer(), new ByteArrayDeserializer());
        dlq = driver.createOutputTopic("docs-dlq", new ByteArrayDeserializer(), new ByteArrayDeserializer());
        wire = new AvroWireFormat(MockSchemaRegistry.scope(registry.substring("mock://".length())));
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
                return model.engine().embed(batch);
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

    /** Advances wall-clock time (firing the drain punctuator) until {@code n} records are out. */
    List<TestRecord<String, byte[]>> awaitOutput(int n) throws InterruptedException {
        List<TestRecord<String, byte[]>> got = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (got.size() < n && System.nanoTime() < deadline) {
            Thread.sleep(10);
            driver.advanceWallClockTime(Duration.ofMillis(20));
            got.addAll(output.readRecordsToList());
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
        float[] direct = new DirectEmbedder(model.tokenizer(), model.engine(), embedding).embed(text).vector();
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
        Thread.sleep(300);
        driver.advanceWallClockTime(Duration.ofMillis(50));
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
        Thread.sleep(700);
        assertThat(awaitOutput(1)).as("nothing emitted for the deleted document").isEmpty();
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
        assertThat(pipeline.metrics().batches()).isGreaterThanOrEqualTo(e.getWindowCount() / 2);
        float[] direct = new DirectEmbedder(model.tokenizer(), model.engine(), embedding).embed(text).vector();
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
        java.util.concurrent.atomic.AtomicInteger running = new java.util.concurrent.atomic.AtomicInteger();
        dev.kembed.engine.EmbeddingEngine slow = delegating(batch -> {
            running.incrementAndGet();
            try {
                Thread.sleep(1500);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            } finally {
                running.decrementAndGet();
            }
        });
        start(64, 0, 0, 0, slow); // every window is its own batch, each taking 1.5 s
        send("first", doc("the first document keeps the engine busy"));
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (running.get() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(running.get()).as("engine busy").isEqualTo(1);
        long t0 = System.nanoTime();
        for (int i = 0; i < 10; i++) {
            send("next-" + i, doc("document " + i + " arrives while the engine is busy"));
        }
        long ms = Duration.ofNanos(System.nanoTime() - t0).toMillis();
        assertThat(running.get()).as("still inside the first batch").isEqualTo(1);
        assertThat(ms).as("10 documents consumed, tokenized and stored while one batch runs").isLessThan(1000);
        assertThat(awaitOutput(1)).as("results keep flowing").isNotEmpty();
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
                    throw new dev.kembed.engine.EngineException("simulated device error", true, null);
                }
            }
        });
        start(100_000, 50, 0, 0, failing);
        send("poison", doc(TestModels.longText(40)));
        send("fine", doc("short"));
        List<TestRecord<String, byte[]>> out = awaitOutput(1);
        assertThat(out).extracting(TestRecord::key).containsExactly("fine");
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        List<TestRecord<byte[], byte[]>> dead = new ArrayList<>();
        while (dead.isEmpty() && System.nanoTime() < deadline) {
            driver.advanceWallClockTime(Duration.ofMillis(20));
            dead.addAll(dlq.readRecordsToList());
            Thread.sleep(10);
        }
        assertThat(dead).hasSize(1);
        assertThat(new String(dead.get(0).key(), StandardCharsets.UTF_8)).isEqualTo("poison");
        assertThat(new String(dead.get(0).headers().lastHeader(Names.HEADER_REASON).value(), StandardCharsets.UTF_8)).isEqualTo("engine-failure");
        assertThat(new String(dead.get(0).headers().lastHeader(Names.HEADER_MESSAGE).value(), StandardCharsets.UTF_8)).contains("simulated device error");
        assertThat(driver.<String, DocState>getKeyValueStore(Names.DOCUMENT_STORE).get("poison")).isNull();
    }

    @Test
    void clsPoolingWithGlobalAttentionMatchesKembedEmbed() throws Exception {
        try (KembedModel global = KembedModel.open(TestModels.tiny(tmp.resolve("tiny")), 1, 1, true)) {
            start(global, global.engine(), new EmbeddingSettings(Pooling.CLS, GlobalAttention.AUTO, true, 64, 8, 16384),
                    InputFormat.JSON, null, 100_000, 50);
            String text = TestModels.longText(120);
            send("g", doc(text));
            List<TestRecord<String, byte[]>> out = awaitOutput(1);
            assertThat(out).hasSize(1);
            DocumentEmbedding e = decode(out.get(0).value());
            assertThat(e.getPooling()).isEqualTo("cls");
            assertThat(e.getWindowCount()).isGreaterThan(1);
            DirectEmbedder direct = new DirectEmbedder(global.tokenizer(), global.engine(), embedding);
            float[] want = direct.embed(text).vector();
            for (int i = 0; i < want.length; i++) {
                assertThat(e.getEmbedding().get(i)).isCloseTo(want[i], org.assertj.core.data.Offset.offset(1e-5f));
            }
            // and global attention changes the answer: the same text without it differs
            float[] none = new DirectEmbedder(global.tokenizer(), global.engine(),
                    new EmbeddingSettings(Pooling.CLS, GlobalAttention.NONE, true, 64, 8, 16384)).embed(text).vector();
            double diff = 0;
            for (int i = 0; i < want.length; i++) {
                diff = Math.max(diff, Math.abs(want[i] - none[i]));
            }
            assertThat(diff).isGreaterThan(1e-3);
            driver.close();
            driver = null;
            pipeline.close();
            pipeline = null;
        }
    }
}
