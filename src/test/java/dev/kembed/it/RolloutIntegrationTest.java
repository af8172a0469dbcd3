package dev.kembed.it;

import dev.kembed.testing.Vectors;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kembed.app.KembedApp;
import dev.kembed.app.KembedConfig;
import dev.kembed.app.KembedModel;
import dev.kembed.avro.DocumentEmbedding;
import dev.kembed.cli.KembedCli;
import dev.kembed.embed.DirectEmbedder;
import dev.kembed.engine.EngineSpec;
import dev.kembed.testing.BrokerTestBase;
import dev.kembed.testing.IntegrationTest;
import dev.kembed.testing.TestModels;
import dev.kembed.testing.TestSupport;
import dev.kembed.text.EmbeddingSettings;
import dev.kembed.text.WindowPlan;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupListing;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;

/**
 * An in-stream rollout against a real broker: documents, updates and tombstones before and during
 * the rollout; the rollout topic's compacted view equals what the next model gives for every live
 * document's final text (deleted ones absent) while the live topic keeps being served; then a
 * cutover that continues where the rollout stood, with no window computed again. And the ways a
 * rollout ends otherwise: abort (its state deleted), and refusals (an input topic that forgets,
 * chunk settings changed without a rollout).
 */
@IntegrationTest
class RolloutIntegrationTest extends BrokerTestBase {
    static final String PROMPT = "search_document: ";
    static final Schema SCHEMA = DocumentEmbedding.getClassSchema();

    static Path nextModel() {
        Path dir = tmp.resolve("tiny-next");
        if (!Files.exists(dir.resolve("config.json"))) {
            assertThat(KembedCli.execute("model", "random", "--preset", "tiny", "--seed", "7", "--out", dir.toString())).isZero();
        }
        return dir;
    }

    static void createCompacted(String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrap()))) {
            admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1).configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG,
                    TopicConfig.CLEANUP_POLICY_COMPACT)))).all().get();
        }
    }

    /** The fixture's settings, with a short session: a restarted application's group waits for the old members' sessions to end. */
    static Properties config(String name) {
        Properties p = minimalConfig("it", name);
        p.put("session.timeout.ms", "6000");
        p.put("heartbeat.interval.ms", "1000");
        return p;
    }

    static ProducerRecord<byte[], byte[]> event(String topic, String id, String text) {
        String json = text == null ? null : "{\"text\": " + com.fasterxml.jackson.databind.node.TextNode.valueOf(text) + "}";
        return new ProducerRecord<>(topic, id.getBytes(StandardCharsets.UTF_8), json == null ? null : json.getBytes(StandardCharsets.UTF_8));
    }

    static String text(int doc, int version) {
        return TestModels.longText(60 + (doc * 37 + version * 11) % 300) + " Document " + doc + " version " + version + ".";
    }

    static Properties rolloutOf(Properties main, String name) {
        Properties p = new Properties();
        p.putAll(main);
        p.put("kembed.rollout.model.dir", nextModel().toString());
        p.put("kembed.rollout.output.topic", name + "-next");
        p.put("kembed.rollout.prompt", PROMPT);
        return p;
    }

    /** The rollout's settings made the main ones: what a user does to cut over. */
    static Properties cutOver(Properties main, String name) {
        Properties p = new Properties();
        p.putAll(main);
        p.put("kembed.model.dir", nextModel().toString());
        p.put("kembed.output.topic", name + "-next");
        p.put("kembed.prompt", PROMPT);
        return p;
    }

    /** Every committed record of the topic, read to its last stable offset (assigned, no group: fast enough to poll). */
    static List<ConsumerRecord<byte[], byte[]>> records(String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrap());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = c.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(100)).forEach(out::add);
            }
        }
        return out;
    }

    /** The topic's compacted view: latest value per key, tombstones removing. */
    static Map<String, GenericRecord> compacted(String topic) {
        Map<String, GenericRecord> view = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> r : records(topic)) {
            String key = new String(r.key(), StandardCharsets.UTF_8);
            if (r.value() == null) {
                view.remove(key);
            } else {
                view.put(key, read(r.value()));
            }
        }
        return view;
    }

    /** The keys of the topic's compacted view (any record type). */
    static Set<String> liveKeys(String topic) {
        Set<String> keys = new java.util.TreeSet<>();
        for (ConsumerRecord<byte[], byte[]> r : records(topic)) {
            String key = new String(r.key(), StandardCharsets.UTF_8);
            if (r.value() == null) {
                keys.remove(key);
            } else {
                keys.add(key);
            }
        }
        return keys;
    }

    static int count(String topic) {
        return records(topic).size();
    }

    static GenericRecord read(byte[] wire) {
        try {
            return new GenericDatumReader<GenericRecord>(SCHEMA).read(null, DecoderFactory.get().binaryDecoder(wire, 5, wire.length - 5, null));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static Path write(Properties p, Path file) throws IOException {
        try (Writer w = Files.newBufferedWriter(file)) {
            p.store(w, null);
        }
        return file;
    }


    /** What {@code kembed embed} gives with {@code settings} (the same settings path as {@code kembed run}). */
    static Map<String, float[]> expected(Properties settings, Map<String, String> texts) {
        KembedConfig c = KembedConfig.from(settings, Map.of());
        EmbeddingSettings s = c.embeddingSettings();
        Map<String, float[]> out = new HashMap<>();
        try (KembedModel m = KembedModel.open(c.modelDir(), EngineSpec.cpu(1, 1, s.globalCls()), "--engine")) {
            DirectEmbedder direct = new DirectEmbedder(m.plan(s, WindowPlan.SettingNames.CONFIG), m.engine(), 4096);
            texts.forEach((id, t) -> out.put(id, direct.embed(t).vector()));
        }
        return out;
    }

    static double counter(KembedApp app, String name) {
        var c = app.pipeline().metrics().registry().find(name).counter();
        return c == null ? 0 : c.count();
    }

    static String get(int port, String path) throws Exception {
        java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://localhost:" + port + path)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        return r.body();
    }

    static Set<String> groups() throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrap()))) {
            return Set.copyOf(admin.listConsumerGroups().all().get().stream().map(ConsumerGroupListing::groupId).toList());
        }
    }

    static Set<String> topics() throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrap()))) {
            return admin.listTopics().names().get();
        }
    }

    @Test
    void rolloutThenCutoverWithNothingRecomputed() throws Exception {
        String name = "roll";
        createCompacted(name + "-in");
        Properties main = config(name);
        Path data = tmp.resolve("data-" + name);
        Map<String, String> live = new TreeMap<>(); // the final text of every live document
        List<ProducerRecord<byte[], byte[]>> before = new ArrayList<>();
        for (int d = 0; d < 12; d++) {
            before.add(event(name + "-in", "doc-" + d, text(d, 1)));
            live.put("doc-" + d, text(d, 1));
        }
        for (int d : new int[] {1, 4, 8}) {
            before.add(event(name + "-in", "doc-" + d, text(d, 2)));
            live.put("doc-" + d, text(d, 2));
        }
        for (int d : new int[] {3, 7}) {
            before.add(event(name + "-in", "doc-" + d, null));
            live.remove("doc-" + d);
        }
        kafka.send(name + "-in", before);
        try (KembedApp app = KembedApp.start(KembedConfig.from(main, Map.of()), data)) {
            TestSupport.await("the live pipeline has every document", Duration.ofSeconds(60), () -> compacted(name + "-out").keySet(),
                    keys -> keys.equals(live.keySet()));
        }

        Properties withRollout = rolloutOf(main, name);
        int metricsPort = TestSupport.freePort();
        withRollout.put("kembed.metrics.port", Integer.toString(metricsPort));
        Path configFile = write(withRollout, tmp.resolve(name + ".properties"));
        String rolloutId;
        try (KembedApp app = KembedApp.start(KembedConfig.from(withRollout, Map.of()), data)) {
            assertThat(app.rolloutStreams()).isNotNull();
            // events during the rollout go to both
            List<ProducerRecord<byte[], byte[]>> during = new ArrayList<>();
            during.add(event(name + "-in", "doc-1", text(1, 3)));
            live.put("doc-1", text(1, 3));
            during.add(event(name + "-in", "doc-2", null));
            live.remove("doc-2");
            during.add(event(name + "-in", "doc-12", text(12, 1)));
            live.put("doc-12", text(12, 1));
            during.add(event(name + "-in", "doc-5", null));
            during.add(event(name + "-in", "doc-5", text(5, 4)));
            live.put("doc-5", text(5, 4));
            kafka.send(name + "-in", during);
            TestSupport.await("the live pipeline serves the events sent during the rollout", Duration.ofSeconds(60),
                    () -> compacted(name + "-out").keySet(), keys -> keys.equals(live.keySet()));
            TestSupport.await("kembed rollout status says ready", Duration.ofSeconds(90),
                    () -> {
                        Thread.sleep(500);
                        return KembedCli.execute("rollout", "status", "--config", configFile.toString());
                    }, rc -> rc == 0);
            rolloutId = groups().stream().filter(g -> g.startsWith("kembed-it-" + name + "-rollout-")).findFirst().orElseThrow();
            String rollout = rolloutId;
            TestSupport.await("the metrics and /health say ready too", Duration.ofSeconds(30), () -> get(metricsPort, "/metrics") + get(metricsPort,
                    "/health"), page -> page.contains("kembed_rollout_ready 1.0") && page.contains("kembed_rollout_documents_remaining 0.0")
                            && page.contains("rollout " + rollout + ": 0 documents remaining, ready: true"));
            // the live topic was served all along, with the current model
            Map<String, float[]> currentModel = expected(main, live);
            Map<String, GenericRecord> liveView = compacted(name + "-out");
            assertThat(liveView.keySet()).isEqualTo(live.keySet());
            liveView.forEach((id, r) -> assertThat(Vectors.cosine(TestSupport.embedding(r), currentModel.get(id))).as(id).isGreaterThan(0.9999));
        }
        // the rollout topic: every live document's final text through the next model, deleted ones absent
        Map<String, float[]> nextModel = expected(cutOver(main, name), live);
        Map<String, GenericRecord> next = compacted(name + "-next");
        assertThat(next.keySet()).isEqualTo(live.keySet());
        next.forEach((id, r) -> assertThat(Vectors.cosine(TestSupport.embedding(r), nextModel.get(id))).as(id).isGreaterThan(0.9999));
        int recordsBefore = count(name + "-next");

        // cutover: the rollout settings become the main ones; the live pipeline continues under the rollout's application
        try (KembedApp app = KembedApp.start(KembedConfig.from(cutOver(main, name), Map.of()), data)) {
            assertThat(app.applicationId()).isEqualTo(rolloutId);
            TestSupport.await("running", Duration.ofSeconds(60), () -> app.streams().state().isRunningOrRebalancing()
                    && app.streams().state() == org.apache.kafka.streams.KafkaStreams.State.RUNNING);
            Thread.sleep(3000); // time enough to recompute something, if anything were
            assertThat(counter(app, "kembed.windows.computed")).as("windows computed across the cutover").isZero();
            assertThat(app.pipeline().metrics().batches()).as("engine batches across the cutover").isZero();
            assertThat(count(name + "-next")).as("nothing written again").isEqualTo(recordsBefore);
            // and it serves: a new version comes out on the (former rollout) topic
            kafka.send(name + "-in", List.of(event(name + "-in", "doc-4", text(4, 9))));
            live.put("doc-4", text(4, 9));
            float[] want = expected(cutOver(main, name), Map.of("doc-4", text(4, 9))).get("doc-4");
            TestSupport.await("the update is served after the cutover", Duration.ofSeconds(60),
                    () -> Vectors.cosine(TestSupport.embedding(compacted(name + "-next").get("doc-4")), want), c -> c > 0.9999);
            assertThat(counter(app, "kembed.windows.computed")).isPositive();
            TestSupport.await("the previous live application's state deleted", Duration.ofSeconds(60), () -> app.retiredWaiting().isEmpty());
        }
        assertThat(groups()).as("the previous live application's offsets are gone").doesNotContain("kembed-it-" + name).contains(rolloutId);
        assertThat(topics()).as("the previous live application's changelogs are gone")
                .noneMatch(t -> t.startsWith("kembed-it-" + name + "-kembed-") && t.endsWith("-changelog"));
    }

    @Test
    void removingTheRolloutSettingsAbortsItAndDeletesItsState() throws Exception {
        String name = "abort";
        createCompacted(name + "-in");
        Properties main = config(name);
        Path data = tmp.resolve("data-" + name);
        List<ProducerRecord<byte[], byte[]>> docs = new ArrayList<>();
        for (int d = 0; d < 4; d++) {
            docs.add(event(name + "-in", "doc-" + d, text(d, 1)));
        }
        kafka.send(name + "-in", docs);
        Properties withRollout = rolloutOf(main, name);
        String rolloutId;
        try (KembedApp app = KembedApp.start(KembedConfig.from(withRollout, Map.of()), data)) {
            TestSupport.await("the rollout wrote every document", Duration.ofSeconds(60), () -> compacted(name + "-next").size(), n -> n == 4);
            rolloutId = groups().stream().filter(g -> g.startsWith("kembed-it-" + name + "-rollout-")).findFirst().orElseThrow();
            assertThat(Files.isDirectory(data.resolve("state").resolve(rolloutId))).isTrue();
        }
        try (KembedApp app = KembedApp.start(KembedConfig.from(main, Map.of()), data)) {
            assertThat(app.rolloutStreams()).isNull();
            assertThat(app.applicationId()).isEqualTo("kembed-it-" + name);
            assertThat(Files.exists(data.resolve("state").resolve(rolloutId))).as("local state at once").isFalse();
            TestSupport.await("the rollout's state deleted once its members' sessions ended", Duration.ofSeconds(60),
                    () -> app.retiredWaiting().isEmpty());
        }
        assertThat(groups()).doesNotContain(rolloutId).contains("kembed-it-" + name);
        assertThat(topics()).as("the rollout's changelogs are gone").noneMatch(t -> t.startsWith(rolloutId + "-")).contains(name + "-next");
        assertThat(Files.exists(data.resolve("state").resolve(rolloutId))).isFalse();
        Path file = write(main, tmp.resolve(name + ".properties"));
        assertThat(KembedCli.execute("rollout", "status", "--config", file.toString())).as("no rollout in progress").isEqualTo(2);
    }

    /** Turning chunks on (or changing their size) goes through a rollout: its chunks topic holds exactly the current chunks of every live document. */
    @Test
    void aRolloutReChunksEveryLiveDocument() throws Exception {
        String name = "chunked";
        createCompacted(name + "-in");
        Properties main = config(name);
        Path data = tmp.resolve("data-" + name);
        Map<String, String> live = new TreeMap<>();
        List<ProducerRecord<byte[], byte[]>> docs = new ArrayList<>();
        for (int d = 0; d < 6; d++) {
            docs.add(event(name + "-in", "doc-" + d, text(d, 1)));
            live.put("doc-" + d, text(d, 1));
        }
        docs.add(event(name + "-in", "doc-2", null));
        live.remove("doc-2");
        kafka.send(name + "-in", docs);
        Properties withRollout = new Properties();
        withRollout.putAll(main);
        withRollout.put("kembed.rollout.model.dir", model.toString()); // a chunks-only rollout: the same model
        withRollout.put("kembed.rollout.output.topic", name + "-next");
        withRollout.put("kembed.rollout.chunks.topic", name + "-chunks");
        withRollout.put("kembed.rollout.chunk.max.tokens", "32");
        Properties after = new Properties();
        after.putAll(main);
        after.put("kembed.output.topic", name + "-next");
        after.put("kembed.chunks.topic", name + "-chunks");
        after.put("kembed.chunk.max.tokens", "32");
        Map<String, Integer> chunks = new TreeMap<>();
        KembedConfig c = KembedConfig.from(after, Map.of());
        try (KembedModel m = KembedModel.open(c.modelDir(), c.engineSpec(tmp, dev.kembed.model.arch.ModelConfig.read(c.modelDir()).maxTokens()), "--engine")) {
            DirectEmbedder direct = new DirectEmbedder(m.plan(c.embeddingSettings(), WindowPlan.SettingNames.CONFIG), m.engine(), 4096);
            live.forEach((id, t) -> chunks.put(id, direct.embedChunks(t, new dev.kembed.text.Chunker(32)).chunks().size()));
        }
        Set<String> expected = new java.util.TreeSet<>();
        chunks.forEach((id, n) -> {
            for (int k = 0; k < n; k++) {
                expected.add(id + "#" + k);
            }
        });
        try (KembedApp app = KembedApp.start(KembedConfig.from(withRollout, Map.of()), data)) {
            TestSupport.await("the rollout's chunks topic holds every live document's chunks", Duration.ofSeconds(60),
                    () -> liveKeys(name + "-chunks"), keys -> keys.equals(expected));
        }
        // the cutover keeps them: same chunks, nothing recomputed
        try (KembedApp app = KembedApp.start(KembedConfig.from(after, Map.of()), data)) {
            Thread.sleep(2000);
            assertThat(counter(app, "kembed.windows.computed")).isZero();
        }
        assertThat(liveKeys(name + "-chunks")).isEqualTo(expected);
    }

    @Test
    void aRolloutOfAnInputTopicThatForgetsIsRefusedNamingTheSetting() throws Exception {
        String name = "forgets";
        kafka.createTopic(name + "-in", 1); // cleanup.policy=delete, 7 days
        Properties withRollout = rolloutOf(config(name), name);
        assertThatThrownBy(() -> KembedApp.start(KembedConfig.from(withRollout, Map.of()), tmp.resolve("data-" + name)).close())
                .hasMessageContaining("kembed.rollout.model.dir").hasMessageContaining("cleanup.policy=compact").hasMessageContaining(name + "-in");
    }

    @Test
    void chunkSettingsChangedWithoutARolloutAreRefused() throws Exception {
        String name = "rechunk";
        createCompacted(name + "-in");
        Properties main = config(name);
        main.put("kembed.chunks.topic", name + "-chunks");
        main.put("kembed.chunk.max.tokens", "64");
        Path data = tmp.resolve("data-" + name);
        KembedApp.start(KembedConfig.from(main, Map.of()), data).close();
        Properties smaller = new Properties();
        smaller.putAll(main);
        smaller.put("kembed.chunk.max.tokens", "32");
        assertThatThrownBy(() -> KembedApp.start(KembedConfig.from(smaller, Map.of()), data).close())
                .hasMessageContaining("max.tokens=64").hasMessageContaining("max.tokens=32").hasMessageContaining("kembed.rollout.chunks.topic");
    }
}
