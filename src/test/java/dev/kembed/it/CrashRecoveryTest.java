package dev.kembed.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kembed.testing.IntegrationTest;
import dev.kembed.testing.ChildKembed;
import dev.kembed.testing.JsonDocuments;
import dev.kembed.testing.BrokerTestBase;
import dev.kembed.testing.TestSupport;
import dev.kembed.testing.TestModels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;

/**
 * kembed as child JVMs killed with SIGKILL mid-stream: every document comes out exactly once
 * (read_committed), so no pending window was lost and no result was applied twice.
 */
@IntegrationTest
class CrashRecoveryTest extends BrokerTestBase {

    static Properties config(String name, int metricsPort) {
        return TestSupport.kembedConfig(name, kafka.bootstrap(), model, metricsPort);
    }

    static List<ProducerRecord<byte[], byte[]>> documents(String topic, int n) {
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            records.add(JsonDocuments.document(topic, "doc-" + i, text(i)));
        }
        return records;
    }

    /** Watches the output topic (read_committed), counting records per key and keeping each key's vector. */
    static final class OutputWatcher implements AutoCloseable {
        final KafkaConsumer<byte[], byte[]> consumer;
        final Map<String, Integer> perKey = new HashMap<>();
        final Map<String, float[]> vectors = new HashMap<>();

        OutputWatcher(String topic) {
            Properties p = new Properties();
            p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrap());
            p.put(ConsumerConfig.GROUP_ID_CONFIG, "watcher-" + System.nanoTime());
            p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
            consumer.subscribe(List.of(topic));
        }

        int records() {
            return perKey.values().stream().mapToInt(Integer::intValue).sum();
        }

        int pollUntil(int distinct, Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (perKey.size() < distinct && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    String key = new String(r.key(), StandardCharsets.UTF_8);
                    perKey.merge(key, 1, Integer::sum);
                    vectors.put(key, vector(r.value()));
                }
            }
            return perKey.size();
        }

        @Override
        public void close() {
            consumer.close();
        }
    }

    /** The child's registry is in its own JVM: skip the 5-byte wire header and read with the schema it writes. */
    static float[] vector(byte[] wire) {
        try {
            var reader = new org.apache.avro.generic.GenericDatumReader<org.apache.avro.generic.GenericRecord>(
                    dev.kembed.avro.DocumentEmbedding.getClassSchema());
            var rec = reader.read(null, org.apache.avro.io.DecoderFactory.get().binaryDecoder(wire, 5, wire.length - 5, null));
            List<?> emb = (List<?>) rec.get("embedding");
            float[] v = new float[emb.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = ((Number) emb.get(i)).floatValue();
            }
            return v;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * Every emitted vector equals the synchronous path's for the same text within 1e-4: a window
     * applied twice or a partial sum lost across a kill would change it.
     */
    static void assertVectorsMatchTheSynchronousPath(Map<String, float[]> vectors, int n) {
        computeReferences(n);
        double worst = 0;
        for (int i = 0; i < n; i++) {
            float[] want = REFERENCE.get(i);
            float[] got = vectors.get("doc-" + i);
            assertThat(got).as("doc-%d", i).hasSize(want.length);
            double diff = 0;
            for (int d = 0; d < want.length; d++) {
                diff = Math.max(diff, Math.abs(got[d] - want[d]));
            }
            assertThat(diff).as("max abs difference of doc-%d's vector", i).isLessThan(1e-4);
            worst = Math.max(worst, diff);
        }
        System.out.printf("vectors after the kills vs the synchronous path: worst max abs %.2e over %d documents%n", worst, n);
    }

    /** The synchronous path's vector per document index, kept across tests (they share texts). */
    static final Map<Integer, float[]> REFERENCE = new HashMap<>();

    /** Fills {@link #REFERENCE} for documents 0..n-1, opening the model only if some are missing. */
    private static synchronized void computeReferences(int n) {
        if (REFERENCE.size() >= n) { // filled from 0 upwards, so the size says which are there
            return;
        }
        List<float[]> vectors = synchronousVectors(CrashRecoveryTest::text, n);
        for (int i = 0; i < n; i++) {
            REFERENCE.putIfAbsent(i, vectors.get(i));
        }
    }

    /** The synchronous path's vectors for texts 0..n-1, with the settings the children run. */
    static List<float[]> synchronousVectors(java.util.function.IntFunction<String> texts, int n) {
        dev.kembed.text.EmbeddingSettings settings = new dev.kembed.text.EmbeddingSettings(dev.kembed.text.Pooling.MEAN,
                dev.kembed.text.GlobalAttention.AUTO, false, 256, 0);
        try (dev.kembed.app.KembedModel m = TestModels.open(model, false)) {
            dev.kembed.embed.DirectEmbedder direct = new dev.kembed.embed.DirectEmbedder(
                    m.plan(settings, dev.kembed.text.WindowPlan.SettingNames.CLI), m.engine(), 4096);
            List<float[]> out = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                out.add(direct.embed(texts.apply(i)).vector());
            }
            return out;
        }
    }

    static String text(int i) {
        int words = i % 10 == 0 ? 2500 : 60 + (i * 53) % 700;
        return TestModels.longText(words) + " #" + i;
    }

    @Test
    void killedThreeTimesMidStreamEveryDocumentExactlyOnce() throws Exception {
        crashRounds("crash", 400, new int[] {60, 160, 260});
    }

    /** Soak variant: more documents, more kills (mvn verify -Pslow). */
    @Test
    @org.junit.jupiter.api.Tag("slow")
    void soakKilledTenTimesEveryDocumentExactlyOnce() throws Exception {
        int[] killAt = new int[10];
        for (int i = 0; i < killAt.length; i++) {
            killAt[i] = 150 + i * 150;
        }
        crashRounds("soak", 1800, killAt);
    }

    private void crashRounds(String name, int n, int[] killAt) throws Exception {
        kafka.createTopic(name + "-in", 4);
        kafka.send(name + "-in", documents(name + "-in", n));
        Path dir = tmp.resolve(name);
        try (OutputWatcher watcher = new OutputWatcher(name + "-out")) {
            for (int round = 0; round < killAt.length; round++) {
                ChildKembed child = ChildKembed.start(config(name, 0), dir, name);
                int seen = watcher.pollUntil(killAt[round], Duration.ofMinutes(2));
                assertThat(seen).as("progress before kill %d\n%s", round + 1, child.logTail()).isGreaterThanOrEqualTo(killAt[round]);
                assertThat(seen).as("killed mid-stream, not after the end").isLessThan(n);
                child.kill();
                System.out.printf("%s round %d: killed with %d of %d documents out%n", name, round + 1, seen, n);
            }
            try (ChildKembed last = ChildKembed.start(config(name, 0), dir, name)) {
                int seen = watcher.pollUntil(n, Duration.ofMinutes(4));
                assertThat(seen).as("all documents after the restarts\n%s", last.logTail()).isEqualTo(n);
                watcher.pollUntil(n + 1, Duration.ofSeconds(3)); // late duplicates would show up here
            }
            Set<String> doubled = new HashSet<>();
            watcher.perKey.forEach((k, c) -> {
                if (c != 1) {
                    doubled.add(k + "=" + c);
                }
            });
            assertThat(doubled).as("documents emitted more than once").isEmpty();
            assertThat(watcher.perKey).hasSize(n);
            assertVectorsMatchTheSynchronousPath(watcher.vectors, n);
        }
    }

    /**
     * Window reuse across a SIGKILL: every document is out, the process is killed (its cache dies
     * with it), each document is updated at its end, and kembed is killed again mid-way through the
     * updates. The kept results come back from the changelogged store, the unchanged windows are
     * reused from it, and every updated vector still equals the synchronous path's for the new text.
     */
    @Test
    void reusedResultsAreStillRightAfterKills() throws Exception {
        String name = "reuse";
        int n = 120;
        int port = TestSupport.freePort();
        kafka.createTopic(name + "-in", 4);
        kafka.send(name + "-in", documents(name + "-in", n));
        Path dir = tmp.resolve(name);
        try (OutputWatcher watcher = new OutputWatcher(name + "-out")) {
            try (ChildKembed first = ChildKembed.start(config(name, port), dir, name)) { // closed even when the assertion fails
                assertThat(watcher.pollUntil(n, Duration.ofMinutes(3))).as("first versions\n%s", first.logTail()).isEqualTo(n);
                first.kill();
            }
            List<ProducerRecord<byte[], byte[]>> updates = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                updates.add(JsonDocuments.document(name + "-in", "doc-" + i, updated(i)));
            }
            kafka.send(name + "-in", updates);
            ChildKembed second = ChildKembed.start(config(name, port), dir, name);
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (watcher.records() < n + n / 3 && System.nanoTime() < deadline) {
                watcher.pollUntil(n + 1, Duration.ofMillis(200));
            }
            double reusedBeforeKill = reusedFromDocuments(port);
            second.kill();
            try (ChildKembed last = ChildKembed.start(config(name, port), dir, name)) {
                deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
                while (watcher.records() < 2 * n && System.nanoTime() < deadline) {
                    watcher.pollUntil(n + 1, Duration.ofMillis(200));
                }
                assertThat(watcher.records()).as("every update out\n%s", last.logTail()).isEqualTo(2 * n);
                double reused = reusedBeforeKill + reusedFromDocuments(port);
                System.out.printf("reuse across kills: %.0f windows reused from the documents' kept results%n", reused);
                assertThat(reused).as("unchanged windows came from the restored store, not the engine").isPositive();
            }
            assertThat(watcher.perKey.values()).as("each version once").containsOnly(2);
            List<float[]> reference = synchronousVectors(CrashRecoveryTest::updated, n);
            for (int i = 0; i < n; i++) {
                float[] want = reference.get(i);
                float[] got = watcher.vectors.get("doc-" + i);
                double diff = 0;
                for (int d = 0; d < want.length; d++) {
                    diff = Math.max(diff, Math.abs(got[d] - want[d]));
                }
                assertThat(diff).as("doc-%d's updated vector", i).isLessThan(1e-4);
            }
        }
    }

    /** The text with a sentence added at its end: with fixed windows every window but the last stays the same. */
    static String updated(int i) {
        return text(i) + " An update appended one more sentence.";
    }

    /** kembed_windows_reused_total{source="document"} of a child, 0 while it does not answer. */
    static double reusedFromDocuments(int port) {
        try {
            String metrics = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://localhost:" + port + "/metrics")).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^kembed_windows_reused_total\\{[^}]*source=\"document\"[^}]*\\} ([0-9.eE+]+)")
                    .matcher(metrics);
            return m.find() ? Double.parseDouble(m.group(1)) : 0;
        } catch (java.io.IOException | InterruptedException e) {
            return 0;
        }
    }

    @Test
    void twoInstancesSplitTheWorkAndTheSurvivorFinishesAfterAKill() throws Exception {
        String name = "scale";
        int n = 400;
        kafka.createTopic(name + "-in", 4);
        Path dir = tmp.resolve(name);
        int portA = TestSupport.freePort();
        int portB = TestSupport.freePort();
        try (OutputWatcher watcher = new OutputWatcher(name + "-out");
                ChildKembed a = ChildKembed.start(config(name, portA), dir, "a");
                ChildKembed b = ChildKembed.start(config(name, portB), dir, "b")) {
            kafka.send(name + "-in", documents(name + "-in", n));
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while ((a.documentsOut() <= 0 || b.documentsOut() <= 0) && System.nanoTime() < deadline) {
                watcher.pollUntil(n, Duration.ofMillis(300));
            }
            double outA = a.documentsOut();
            double outB = b.documentsOut();
            System.out.printf("before the kill: instance a emitted %.0f, instance b %.0f%n", outA, outB);
            assertThat(outA).as("instance a emits\n%s", a.logTail()).isGreaterThan(0);
            assertThat(outB).as("instance b emits\n%s", b.logTail()).isGreaterThan(0);
            int before = watcher.pollUntil(n, Duration.ofMillis(100));
            assertThat(before).as("killed mid-stream").isLessThan(n);
            a.kill();
            int seen = watcher.pollUntil(n, Duration.ofMinutes(4));
            assertThat(seen).as("the survivor finishes\n%s", b.logTail()).isEqualTo(n);
            watcher.pollUntil(n + 1, Duration.ofSeconds(3));
            assertThat(watcher.perKey.values()).as("exactly once").allMatch(c -> c == 1);
            assertVectorsMatchTheSynchronousPath(watcher.vectors, n);
            System.out.printf("after the kill: survivor emitted %.0f in all%n", b.documentsOut());
        }
    }
}
