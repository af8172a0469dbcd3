package dev.kembed.it;

import dev.kembed.testing.IntegrationTest;
import dev.kembed.testing.TestSupport;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kembed.app.KembedApp;
import dev.kembed.app.KembedConfig;
import dev.kembed.app.KembedModel;
import dev.kembed.avro.DocumentEmbedding;
import dev.kembed.embed.DirectEmbedder;
import dev.kembed.stream.Names;
import dev.kembed.testing.BrokerTestBase;
import dev.kembed.testing.FlakyEngineProvider;
import dev.kembed.testing.JsonDocuments;
import dev.kembed.testing.KafkaCluster;
import dev.kembed.testing.TestModels;
import dev.kembed.text.EmbeddingSettings;
import dev.kembed.text.GlobalAttention;
import dev.kembed.text.Pooling;
import dev.kembed.text.WindowPlan;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The engine's error classes end to end, on a real broker, through the test engine
 * {@code test-flaky}: a window the engine refuses dead-letters its document and nothing else; an
 * engine that is down holds all work (503, {@code kembed_engine_up 0}) and, once back, every
 * document comes out exactly once with the vector the synchronous path computes.
 */
@IntegrationTest
class EngineHealthIntegrationTest extends BrokerTestBase {
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @AfterEach
    void resetEngine() {
        FlakyEngineProvider.reset();
    }

    static Properties config(String name, int metricsPort) {
        Properties p = minimalConfig("health", name);
        p.put("kembed.engine", FlakyEngineProvider.NAME);
        p.put("kembed.window.max.tokens", "256");
        p.put("kembed.batch.max.wait.ms", "20");
        p.put("kembed.engine.retries", "1");
        p.put("kembed.engine.retry.backoff.ms", "50");
        p.put("kembed.metrics.port", Integer.toString(metricsPort));
        return p;
    }

    record Health(int status, String body, double engineUp) {}

    static Health health(int port) throws Exception {
        HttpResponse<String> h = HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/health/ready")).build(),
                HttpResponse.BodyHandlers.ofString());
        String metrics = HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = Pattern.compile("(?m)^kembed_engine_up\\{[^}]*\\} ([0-9.]+)").matcher(metrics);
        return new Health(h.statusCode(), h.body(), m.find() ? Double.parseDouble(m.group(1)) : -1);
    }

    static Health awaitHealth(int port, int status) throws Exception {
        return TestSupport.await("/health/ready " + status, Duration.ofSeconds(60), () -> health(port), h -> h.status() == status);
    }

    @Test
    void aWindowTheEngineRefusesDeadLettersItsDocumentOnlyAndTheEngineStaysUp() throws Exception {
        String name = "refuse";
        int port = TestSupport.freePort();
        FlakyEngineProvider.refuseLongerThan = 100;
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            records.add(JsonDocuments.document(name + "-in", "short-" + i, "a short document number " + i));
        }
        records.add(JsonDocuments.document(name + "-in", "long", TestModels.longText(400)));
        Properties cfg = config(name, port);
        cfg.put("kembed.pooling", "cls"); // a Longformer has global attention: the setting a BERT-family model refuses runs here
        try (KembedApp app = KembedApp.start(KembedConfig.from(cfg, Map.of()), tmp.resolve(name))) {
            kafka.send(name + "-in", records);
            List<ConsumerRecord<byte[], byte[]>> dlq = kafka.readCommitted(name + "-in-dlq", 1, Duration.ofMinutes(1));
            assertThat(dlq).hasSize(1);
            assertThat(new String(dlq.get(0).key(), StandardCharsets.UTF_8)).isEqualTo("long");
            Map<String, String> headers = KafkaCluster.headers(dlq.get(0));
            assertThat(headers.get(Names.HEADER_REASON)).isEqualTo("window-too-long");
            assertThat(headers.get(Names.HEADER_MESSAGE)).contains("largest shape (100)");
            List<ConsumerRecord<byte[], byte[]>> out = kafka.readCommitted(name + "-out", 12, Duration.ofMinutes(1));
            assertThat(out).hasSize(12).allMatch(r -> new String(r.key(), StandardCharsets.UTF_8).startsWith("short-"));
            for (ConsumerRecord<byte[], byte[]> r : out) {
                GenericRecord e = app.pipeline().wireFormat().read(r.value(), DocumentEmbedding.getClassSchema());
                assertThat(e.get("pooling").toString()).isEqualTo("cls");
                assertThat(e.get("engine").toString()).isEqualTo(FlakyEngineProvider.NAME);
                assertThat(e.get("precision").toString()).isEqualTo("fp32");
            }
            Health h = awaitHealth(port, 200);
            assertThat(h.status()).isEqualTo(200);
            assertThat(h.engineUp()).isEqualTo(1.0);
            assertThat(app.workers().health().up()).isTrue();

            // one scrape shows Kafka's own metrics, the JVM's, and the end-to-end latency of exactly the emitted documents
            String metrics = HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertThat(metrics).containsPattern("(?m)^kafka_stream_thread_process_latency_avg\\{")
                    .containsPattern("(?m)^kafka_consumer_fetch_manager_records_lag_max\\{")
                    .containsPattern("(?m)^jvm_memory_used_bytes\\{")
                    .containsPattern("(?m)^kembed_end_to_end_latency_seconds_bucket\\{le=");
            Matcher count = Pattern.compile("(?m)^kembed_end_to_end_latency_seconds_count(?:\\{[^}]*\\})? ([0-9.]+)").matcher(metrics);
            assertThat(count.find()).isTrue();
            assertThat(Double.parseDouble(count.group(1))).as("one latency per emitted document").isEqualTo(out.size());
        }
    }

    @Test
    void anEngineDownForAWhileHoldsWorkThenEveryDocumentComesOutOnceWithTheRightVector() throws Exception {
        String name = "outage";
        int port = TestSupport.freePort();
        Map<String, String> texts = new HashMap<>();
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            String text = TestModels.longText(20 + (i * 37) % 300) + " #" + i;
            texts.put("doc-" + i, text);
            records.add(JsonDocuments.document(name + "-in", "doc-" + i, text));
        }
        try (KembedApp app = KembedApp.start(KembedConfig.from(config(name, port), Map.of()), tmp.resolve(name))) {
            assertThat(awaitHealth(port, 200).engineUp()).isEqualTo(1.0);
            FlakyEngineProvider.down = true;
            kafka.send(name + "-in", records);
            Health down = awaitHealth(port, 503);
            assertThat(down.status()).isEqualTo(503);
            assertThat(down.body()).contains("engine: down").contains("simulated device outage");
            assertThat(down.engineUp()).isEqualTo(0.0);
            // held, not dead-lettered: several health checks fail while the work waits
            TestSupport.await("six failed engine calls", Duration.ofSeconds(30), () -> FlakyEngineProvider.failedCalls.get() >= 6);
            assertThat(app.workers().queued()).isPositive();
            FlakyEngineProvider.down = false;

            List<ConsumerRecord<byte[], byte[]>> out = kafka.readCommitted(name + "-out", 30, Duration.ofMinutes(2));
            out = kafka.readCommitted(name + "-out", 31, Duration.ofSeconds(1)); // a late duplicate would show here
            assertThat(out).hasSize(30);
            assertThat(kafka.readCommitted(name + "-in-dlq", 1, Duration.ofSeconds(1))).as("nothing dead-lettered").isEmpty();
            Health up = awaitHealth(port, 200);
            assertThat(up.status()).isEqualTo(200);
            assertThat(up.engineUp()).isEqualTo(1.0);

            EmbeddingSettings settings = new EmbeddingSettings(Pooling.MEAN, GlobalAttention.AUTO, false, 256, 0);
            try (KembedModel direct = TestModels.open(model, false)) {
                DirectEmbedder reference = new DirectEmbedder(direct.plan(settings, WindowPlan.SettingNames.CLI), direct.engine(), 16384);
                for (ConsumerRecord<byte[], byte[]> r : out) {
                    String key = new String(r.key(), StandardCharsets.UTF_8);
                    GenericRecord e = app.pipeline().wireFormat().read(r.value(), DocumentEmbedding.getClassSchema());
                    float[] want = reference.embed(texts.get(key)).vector();
                    List<?> got = (List<?>) e.get("embedding");
                    double maxDiff = 0;
                    for (int i = 0; i < want.length; i++) {
                        maxDiff = Math.max(maxDiff, Math.abs(((Number) got.get(i)).floatValue() - want[i]));
                    }
                    assertThat(maxDiff).as("vector of %s", key).isLessThan(1e-4);
                }
            }
        }
    }

    /**
     * A restart with about a thousand pending windows while the engine is down, against a queue of
     * 16 and a 6-second max.poll.interval.ms: init() and every process() wait at most one
     * kembed.queue.max.block.ms (2 s) however many windows they hold, so the consumer polls in
     * time: no rebalance (no fenced thread, no TaskMigratedException) while the engine stays down,
     * and once it is back every document comes out exactly once.
     */
    @Test
    void aRestartWithAThousandPendingWindowsWhileTheEngineIsDownFencesNoStreamThread() throws Exception {
        String name = "fence";
        Properties cfg = config(name, 0);
        cfg.put("kembed.window.max.tokens", "16");
        cfg.put("kembed.queue.max.windows", "16");
        cfg.put("kembed.queue.max.block.ms", "2000");
        cfg.put("max.poll.interval.ms", "6000");
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            records.add(JsonDocuments.document(name + "-in", "doc-" + i, TestModels.longText(1200) + " #" + i));
        }
        java.nio.file.Path data = tmp.resolve(name);
        long pending;
        try (KembedApp first = KembedApp.start(KembedConfig.from(cfg, Map.of()), data)) {
            FlakyEngineProvider.down = true;
            kafka.send(name + "-in", records);
            pending = TestSupport.await("about a thousand pending windows", Duration.ofMinutes(2), () -> pendingWindows(first), n -> n >= 1000);
        }
        FlakyEngineProvider.down = false; // start-up warms the engine up and must pass
        try (KembedApp second = KembedApp.start(KembedConfig.from(cfg, Map.of()), data)) {
            FlakyEngineProvider.down = true; // start-up's own health check passed; the restored windows meet a down engine
            TestSupport.await("RUNNING after the restart", Duration.ofMinutes(1),
                    () -> second.streams().state() == org.apache.kafka.streams.KafkaStreams.State.RUNNING);
            double rebalances = rebalances(second);
            long until = System.nanoTime() + Duration.ofSeconds(15).toNanos(); // well past max.poll.interval.ms
            while (System.nanoTime() < until) {
                assertThat(second.streams().state()).isEqualTo(org.apache.kafka.streams.KafkaStreams.State.RUNNING);
                assertThat(rebalances(second)).as("a fenced thread would rejoin the group").isEqualTo(rebalances);
                assertThat(longestBetweenPolls(second)).as("ms between two polls of a stream thread").isLessThan(6000);
                Thread.sleep(200);
            }
            assertThat(pendingWindows(second)).as("nothing ran, nothing was lost").isGreaterThanOrEqualTo(pending - 64);
            FlakyEngineProvider.down = false;
            List<ConsumerRecord<byte[], byte[]>> out = kafka.readCommitted(name + "-out", 6, Duration.ofMinutes(3));
            out = kafka.readCommitted(name + "-out", 7, Duration.ofSeconds(2));
            assertThat(out).hasSize(6);
            assertThat(out.stream().map(r -> new String(r.key(), StandardCharsets.UTF_8)).distinct()).hasSize(6);
            assertThat(rebalances(second)).isEqualTo(rebalances);
        }
    }

    static long pendingWindows(KembedApp app) {
        var store = app.streams().store(org.apache.kafka.streams.StoreQueryParameters.fromNameAndType(Names.PENDING_STORE,
                org.apache.kafka.streams.state.QueryableStoreTypes.<String, Object>keyValueStore()));
        long n = 0;
        try (var it = store.all()) {
            while (it.hasNext()) {
                it.next();
                n++;
            }
        }
        return n;
    }

    /** The longest a stream thread's main consumer went between two polls lately (Kafka's time-between-poll-max, ms). */
    static double longestBetweenPolls(KembedApp app) {
        return app.streams().metrics().entrySet().stream()
                .filter(e -> e.getKey().name().equals("time-between-poll-max") && e.getKey().group().equals("consumer-metrics")
                        && !e.getKey().tags().getOrDefault("client-id", "").contains("restore"))
                .mapToDouble(e -> ((Number) e.getValue().metricValue()).doubleValue()).filter(v -> !Double.isNaN(v)).max().orElse(0);
    }

    /** Rebalances the app's consumers have completed (Kafka's own rebalance-total). */
    static double rebalances(KembedApp app) {
        return app.streams().metrics().entrySet().stream()
                .filter(e -> e.getKey().name().equals("rebalance-total") && e.getKey().group().equals("consumer-coordinator-metrics"))
                .mapToDouble(e -> ((Number) e.getValue().metricValue()).doubleValue()).sum();
    }
}
