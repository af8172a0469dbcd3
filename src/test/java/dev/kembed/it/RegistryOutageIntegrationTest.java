package dev.kembed.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kembed.app.KembedApp;
import dev.kembed.app.KembedConfig;
import dev.kembed.testing.ApicurioRegistry;
import dev.kembed.testing.BrokerTestBase;
import dev.kembed.testing.ChildKembed;
import dev.kembed.testing.IntegrationTest;
import dev.kembed.testing.JsonDocuments;
import dev.kembed.testing.TestSupport;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.ThreadMetadata;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Registry outages never kill kembed, against the real registry (Apicurio, a child process stopped
 * and started again on the same port; its storage is in memory, so a restart forgets every schema).
 * kembed started during an outage waits, serving health and metrics, and embeds everything sent
 * meanwhile exactly once when the registry comes; a registry stopped under a running JSON job
 * changes nothing (the output schema's id is cached) and gets the schema back after its restart;
 * a restart of kembed during an outage waits instead of exiting.
 */
@IntegrationTest
class RegistryOutageIntegrationTest extends BrokerTestBase {
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final ObjectMapper JSON = new ObjectMapper();
    static final Pattern ATTEMPT = Pattern.compile("\\(attempt (\\d+), last error: ");

    static ApicurioRegistry registry;

    @BeforeAll
    static void startRegistry() throws Exception {
        registry = ApicurioRegistry.start(tmp);
    }

    @AfterAll
    static void stopRegistry() throws Exception {
        if (registry != null) {
            registry.close();
        }
    }

    /** Every test leaves the registry running for the next. */
    @AfterEach
    void registryBack() throws Exception {
        registry.start();
    }

    static Properties config(String name, int metricsPort) {
        Properties p = TestSupport.kembedConfig(name, kafka.bootstrap(), model, metricsPort);
        p.put("kembed.schema.registry.url", registry.url());
        p.put("kembed.schema.registry.connect.timeout.ms", "1000");
        p.put("kembed.schema.registry.request.timeout.ms", "5000");
        p.put("kembed.schema.registry.retry.backoff.max.ms", "2000"); // the test waits seconds, not the default 30 s
        return p;
    }

    static List<ProducerRecord<byte[], byte[]>> documents(String topic, String prefix, int n) {
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            records.add(JsonDocuments.document(topic, prefix + i, "document " + prefix + i + " about registries, outages and patience, number " + i));
        }
        return records;
    }

    static HttpResponse<String> http(int port, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The attempt number readiness reports while start-up waits for the registry, or 0. */
    static int attempt(String readiness) {
        Matcher m = ATTEMPT.matcher(readiness);
        return m.find() ? Integer.parseInt(m.group(1)) : 0;
    }

    static List<String> keys(List<ConsumerRecord<byte[], byte[]>> records) {
        return records.stream().map(r -> new String(r.key(), StandardCharsets.UTF_8)).sorted().toList();
    }

    static List<String> sortedKeys(List<ProducerRecord<byte[], byte[]>> records) {
        return records.stream().map(r -> new String(r.key(), StandardCharsets.UTF_8)).sorted().toList();
    }

    /** The record full name of the writer schema the registry holds under this output record's id. */
    static String writerSchemaName(ConsumerRecord<byte[], byte[]> r) throws Exception {
        ByteBuffer b = ByteBuffer.wrap(r.value());
        assertThat(b.get()).isZero();
        HttpResponse<String> s = registry.get("/schemas/ids/" + b.getInt());
        assertThat(s.statusCode()).as(s.body()).isEqualTo(200);
        JsonNode schema = JSON.readTree(JSON.readTree(s.body()).get("schema").asText());
        return schema.get("namespace").asText() + "." + schema.get("name").asText();
    }

    static List<String> streamThreads(KembedApp app) {
        return app.streams().metadataForLocalThreads().stream().map(ThreadMetadata::threadName).toList();
    }

    /** (a) Started while the registry is down: up and unready, nothing lost; once it answers, ready and every document out once. */
    @Test
    void startedDuringAnOutageItWaitsThenEmbedsEverythingSentMeanwhileExactlyOnce() throws Exception {
        String name = "outage-start";
        int port = TestSupport.freePort();
        registry.stop();
        try (KembedApp app = KembedApp.start(KembedConfig.from(config(name, port), Map.of()), tmp.resolve(name))) {
            HttpResponse<String> ready = http(port, "/health/ready");
            assertThat(ready.statusCode()).isEqualTo(503);
            assertThat(ready.body()).contains("schema registry unreachable: output schemas not registered yet [subject '" + name + "-out-value'")
                    .contains("no schema registry answered").contains("Kafka Streams starts once they are");
            assertThat(http(port, "/health/live").statusCode()).isEqualTo(200);
            assertThat(http(port, "/metrics").body()).contains("kembed_registry_schemas_unregistered 1.0");
            assertThat(app.streams().state()).as("Streams waits for the schemas").isEqualTo(org.apache.kafka.streams.KafkaStreams.State.CREATED);

            List<ProducerRecord<byte[], byte[]>> sent = documents(name + "-in", "a-", 6);
            kafka.send(name + "-in", sent);
            // it keeps trying with a doubling pause (0.5, 1, 2, 2 s): the fifth attempt is ~5.5 s into the outage
            String waiting = TestSupport.await("start-up attempts while the registry is down", Duration.ofSeconds(60),
                    () -> http(port, "/health/ready").body(), body -> attempt(body) >= 5);
            assertThat(waiting).contains("schema registry unreachable");
            assertThat(kafka.readCommitted(name + "-out", 1, Duration.ofSeconds(1))).as("nothing written while the registry is down").isEmpty();

            registry.start();
            TestSupport.await("ready once the registry answers", Duration.ofSeconds(90), () -> http(port, "/health/ready"),
                    r -> r.statusCode() == 200);
            List<ConsumerRecord<byte[], byte[]>> out = kafka.readCommitted(name + "-out", sent.size(), Duration.ofMinutes(2));
            assertThat(keys(out)).as("every document sent during the outage, exactly once").isEqualTo(sortedKeys(sent));
            for (ConsumerRecord<byte[], byte[]> r : out) {
                assertThat(writerSchemaName(r)).isEqualTo("dev.kembed.avro.DocumentEmbedding");
            }
            assertThat(kafka.readCommitted(name + "-in-dlq", 1, Duration.ofSeconds(1))).isEmpty();
            assertThat(http(port, "/metrics").body()).contains("kembed_registry_schemas_unregistered 0.0")
                    .contains("kembed_stream_thread_registry_waits_total 0.0");
            assertThat(streamThreads(app)).as("the one stream thread, never replaced").hasSize(1).allMatch(t -> t.endsWith("-StreamThread-1"));
        }
    }

    /**
     * (b) A running JSON job and a registry that stops: documents keep flowing (the output schema's
     * id is cached), no stream thread is replaced; the registry restarts empty and the watch
     * registers the output schema again, so later records carry an id it knows.
     */
    @Test
    void aRegistryStoppedUnderARunningJsonJobChangesNothingAndGetsTheSchemaBack() throws Exception {
        String name = "outage-running";
        int port = TestSupport.freePort();
        try (KembedApp app = KembedApp.start(KembedConfig.from(config(name, port), Map.of()), tmp.resolve(name))) {
            List<ProducerRecord<byte[], byte[]>> before = documents(name + "-in", "b-", 3);
            kafka.send(name + "-in", before);
            assertThat(kafka.readCommitted(name + "-out", 3, Duration.ofMinutes(2))).hasSize(3);

            registry.stop();
            List<ProducerRecord<byte[], byte[]>> during = documents(name + "-in", "d-", 5);
            kafka.send(name + "-in", during);
            List<ConsumerRecord<byte[], byte[]>> out = kafka.readCommitted(name + "-out", 8, Duration.ofMinutes(2));
            assertThat(out).as("the 5 sent while the registry is down come out").hasSize(8);
            assertThat(streamThreads(app)).as("no stream thread replaced").hasSize(1).allMatch(t -> t.endsWith("-StreamThread-1"));
            assertThat(http(port, "/metrics").body()).contains("kembed_stream_thread_registry_waits_total 0.0");
            assertThat(http(port, "/health/live").statusCode()).isEqualTo(200);

            registry.start(); // in memory: it has forgotten the output schema
            TestSupport.await("the registry watch registers the output schema again", Duration.ofSeconds(60),
                    () -> registry.get("/subjects").body(), body -> body.contains("\"" + name + "-out-value\""));
            List<ProducerRecord<byte[], byte[]>> after = documents(name + "-in", "e-", 2);
            kafka.send(name + "-in", after);
            List<ConsumerRecord<byte[], byte[]>> all = kafka.readCommitted(name + "-out", 10, Duration.ofMinutes(2));
            List<ProducerRecord<byte[], byte[]>> sent = new ArrayList<>(before);
            sent.addAll(during);
            sent.addAll(after);
            assertThat(keys(all)).as("every document exactly once").isEqualTo(sortedKeys(sent));
            for (ConsumerRecord<byte[], byte[]> r : all.subList(8, 10)) {
                assertThat(writerSchemaName(r)).as("written after the restart: an id the restarted registry knows").isEqualTo(
                        "dev.kembed.avro.DocumentEmbedding");
            }
            assertThat(registry.get("/subjects/" + name + "-out-value/versions").body()).as("registering again adds no version").isEqualTo("[1]");
            TestSupport.await("ready again", Duration.ofSeconds(30), () -> http(port, "/health/ready"), r -> r.statusCode() == 200);
            assertThat(streamThreads(app)).hasSize(1).allMatch(t -> t.endsWith("-StreamThread-1"));
        }
    }

    /** (c) A kembed with state, restarted (a new JVM) during an outage: it stays up and waits, then carries on exactly once. */
    @Test
    void aRestartDuringAnOutageWaitsInsteadOfExiting() throws Exception {
        String name = "outage-restart";
        int port = TestSupport.freePort();
        Properties cfg = config(name, port);
        Path dir = tmp.resolve(name);
        Path data = dir.resolve(name + "-data"); // where ChildKembed keeps the child's state: the same application, the same state
        List<ProducerRecord<byte[], byte[]>> first = documents(name + "-in", "r-", 3);
        try (KembedApp app = KembedApp.start(KembedConfig.from(cfg, Map.of()), data)) {
            kafka.send(name + "-in", first);
            assertThat(kafka.readCommitted(name + "-out", 3, Duration.ofMinutes(2))).hasSize(3);
        }

        registry.stop();
        List<ProducerRecord<byte[], byte[]>> during = documents(name + "-in", "w-", 4);
        kafka.send(name + "-in", during);
        try (ChildKembed child = ChildKembed.start(cfg, dir, name)) {
            String waiting = TestSupport.await("the restarted kembed waiting for the registry", Duration.ofSeconds(120), () -> {
                assertThat(child.alive()).as("kembed exited during the outage:%n%s", child.logTail()).isTrue();
                return http(port, "/health/ready").body();
            }, body -> attempt(body) >= 6); // ~7.5 s of attempts
            assertThat(child.alive()).as(child.logTail()).isTrue();
            assertThat(waiting).contains("schema registry unreachable: output schemas not registered yet");
            assertThat(http(port, "/health/live").statusCode()).isEqualTo(200);
            assertThat(child.documentsOut()).isZero();

            registry.start();
            TestSupport.await("the child ready once the registry answers", Duration.ofSeconds(120), () -> {
                assertThat(child.alive()).as(child.logTail()).isTrue();
                return http(port, "/health/ready").statusCode();
            }, status -> status == 200);
            List<ConsumerRecord<byte[], byte[]>> out = kafka.readCommitted(name + "-out", 7, Duration.ofMinutes(2));
            List<ProducerRecord<byte[], byte[]>> sent = new ArrayList<>(first);
            sent.addAll(during);
            assertThat(keys(out)).as("the first run's documents and those sent during the outage, each once").isEqualTo(sortedKeys(sent));
            assertThat(child.documentsOut()).isEqualTo(4.0);
            assertThat(child.alive()).isTrue();
        }
    }
}
