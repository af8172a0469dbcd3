package dev.kembed.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kembed.app.KembedApp;
import dev.kembed.app.KembedConfig;
import dev.kembed.testing.BrokerTestBase;
import dev.kembed.testing.ChildKembed;
import dev.kembed.testing.FaultEngineProvider;
import dev.kembed.testing.IntegrationTest;
import dev.kembed.testing.JsonDocuments;
import dev.kembed.testing.TestModels;
import dev.kembed.testing.TestSupport;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A hung engine call on a real broker, through the test engine {@code kembed.engine=fault}: with a
 * short {@code kembed.engine.call.timeout.ms}, a call that never returns turns readiness 503
 * naming the call while {@code kembed_engine_oldest_call_seconds} climbs; a fresh engine instance
 * takes over and every document comes out exactly once. When every instance hangs, the process
 * exits non-zero, its log saying why.
 */
@IntegrationTest
class HungEngineIntegrationTest extends BrokerTestBase {
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @AfterEach
    void resetEngine() {
        FaultEngineProvider.reset();
    }

    static List<ProducerRecord<byte[], byte[]>> documents(String topic, int n) {
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            records.add(JsonDocuments.document(topic, "doc-" + i, TestModels.longText(20 + (i * 37) % 300) + " #" + i));
        }
        return records;
    }

    record Ready(int status, String body, double oldestCall) {}

    static Ready ready(int port) throws Exception {
        HttpResponse<String> h = HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/health/ready")).build(),
                HttpResponse.BodyHandlers.ofString());
        String metrics = HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = Pattern.compile("(?m)^kembed_engine_oldest_call_seconds(?:\\{[^}]*\\})? ([0-9.eE+-]+)").matcher(metrics);
        return new Ready(h.statusCode(), h.body(), m.find() ? Double.parseDouble(m.group(1)) : -1);
    }

    @Test
    void aHungCallIsFoundAndAFreshEngineRunsEveryDocumentExactlyOnce() throws Exception {
        String name = "hung-once";
        int port = TestSupport.freePort();
        Properties cfg = minimalConfig("hung", name);
        cfg.put("kembed.engine", FaultEngineProvider.NAME);
        cfg.put("kembed.window.max.tokens", "256");
        cfg.put("kembed.batch.max.wait.ms", "20");
        cfg.put("kembed.engine.call.timeout.ms", "3000");
        cfg.put("kembed.metrics.port", Integer.toString(port));
        FaultEngineProvider.reset();
        // the warm-up check and one batch run, the next call hangs; only the first instance hangs
        FaultEngineProvider.set("hang-after=2,hang-instances=1");
        try (KembedApp app = KembedApp.start(KembedConfig.from(cfg, Map.of()), tmp.resolve(name))) {
            kafka.send(name + "-in", documents(name + "-in", 30));
            AtomicReference<Double> highest = new AtomicReference<>(0.0);
            Ready down = TestSupport.await("/health/ready 503 naming the hung call", Duration.ofMinutes(1), () -> {
                Ready r = ready(port);
                highest.accumulateAndGet(r.oldestCall(), Math::max);
                return r;
            }, r -> r.status() == 503);
            assertThat(down.body()).contains("engine: down").containsPattern("engine call of \\d+ windows / \\d+ padded tokens running for")
                    .contains("past its deadline of 3.0 s");
            assertThat(highest.get()).as("kembed_engine_oldest_call_seconds while the call hung").isGreaterThan(1.0);
            assertThat(FaultEngineProvider.hung.get()).isEqualTo(1);

            List<ConsumerRecord<byte[], byte[]>> out = kafka.readCommitted(name + "-out", 30, Duration.ofMinutes(2));
            out = kafka.readCommitted(name + "-out", 31, Duration.ofSeconds(2)); // a late duplicate would show here
            assertThat(out).hasSize(30);
            assertThat(out.stream().map(r -> new String(r.key(), StandardCharsets.UTF_8)).distinct()).hasSize(30);
            assertThat(kafka.readCommitted(name + "-in-dlq", 1, Duration.ofSeconds(1))).as("nothing dead-lettered").isEmpty();
            Ready up = TestSupport.await("/health/ready 200 again", Duration.ofMinutes(1), () -> ready(port), r -> r.status() == 200);
            assertThat(up.oldestCall()).isLessThan(3.0);
            assertThat(FaultEngineProvider.opened.get()).as("the first instance and one fresh one").isEqualTo(2);
            assertThat(app.workers().engine()).isNotSameAs(app.model().engine());
            assertThat(app.workers().workerRestarts()).as("the stuck worker was replaced").isEqualTo(1);
            assertThat(app.engineGaveUp()).isNull();
        }
    }

    @Test
    void whenEveryFreshEngineHangsTooKembedExitsNonZeroSayingWhy() throws Exception {
        String name = "hung-always";
        Properties cfg = TestSupport.kembedConfig(name, kafka.bootstrap(), model, 0);
        cfg.put("kembed.engine", FaultEngineProvider.NAME);
        cfg.put("kembed.engine.call.timeout.ms", "2000");
        cfg.put("kembed.engine.hung.max.reopens", "2");
        try (ChildKembed child = ChildKembed.start(cfg, tmp.resolve(name), name, Map.of(FaultEngineProvider.ENV, "hang-after=1"))) {
            kafka.send(name + "-in", documents(name + "-in", 20));
            Integer exit = child.awaitExit(Duration.ofMinutes(3));
            assertThat(exit).as("exit code within 3 minutes; log:%n%s", child.logTail()).isNotNull().isNotZero();
            String log = child.log();
            assertThat(log).contains("giving up on the engine").contains("past its deadline of 2.0 s")
                    .contains("2 fresh engine instances opened before, at most 2");
            assertThat(Pattern.compile("engine hung: ").matcher(log).results().count()).as("two hangs reopened, the third gave up").isEqualTo(2);
        }
    }
}
