package dev.kembed.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kembed.testing.BrokerTestBase;
import dev.kembed.testing.ChildKembed;
import dev.kembed.testing.IntegrationTest;
import dev.kembed.testing.TestModels;
import dev.kembed.testing.TestSupport;
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
import java.util.TreeMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;

/**
 * The chunks topic against a real broker, read {@code read_committed}, with kembed as a child JVM
 * killed with SIGKILL in the middle of the updates. Every document goes create → update with more
 * chunks → update with fewer; some are then deleted, some deleted and created again, some get a
 * last version that goes to the DLQ, and every update is sent right behind the previous one, so
 * versions are superseded in flight. Afterwards the compacted view of the chunks topic is exactly
 * the chunks of each live document's current version (spans and late-chunk vectors equal the
 * synchronous path's), and every version seen on the topic is complete and was emitted on the
 * output topic too.
 */
@IntegrationTest
class ChunkTopicIntegrationTest extends BrokerTestBase {
    static final int DOCS = 40;
    static final int CHUNK_TOKENS = 48;
    static final int WINDOW = 256;

    static String text(int doc, int version) {
        int words = switch (version) {
            case 1 -> 120 + doc * 7 % 90;
            case 2 -> 400 + doc * 13 % 200; // more chunks, several windows
            default -> 40 + doc % 30; // fewer
        };
        return TestModels.longText(words) + ". Document " + doc + " version " + version + ".";
    }

    static ProducerRecord<byte[], byte[]> event(String topic, int doc, int version, String text) {
        String json = text == null ? null : "{\"version\": " + version + ", \"text\": " + com.fasterxml.jackson.databind.node.TextNode.valueOf(text) + "}";
        return new ProducerRecord<>(topic, ("doc-" + doc).getBytes(StandardCharsets.UTF_8), json == null ? null : json.getBytes(StandardCharsets.UTF_8));
    }

    /** What each document's current state must be at the end: its live version and text, or deleted (null). */
    final Map<String, Integer> finalVersion = new TreeMap<>();
    final Map<String, String> finalText = new HashMap<>();
    final Set<Long> deadLetteredVersions = new HashSet<>();

    List<ProducerRecord<byte[], byte[]>> updates(String topic) {
        List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>();
        for (int i = 0; i < DOCS; i++) {
            String id = "doc-" + i;
            out.add(event(topic, i, 2, text(i, 2)));
            out.add(event(topic, i, 3, text(i, 3)));
            finalVersion.put(id, 3);
            finalText.put(id, text(i, 3));
            switch (i % 4) {
                case 1 -> { // deleted
                    out.add(event(topic, i, 4, null));
                    finalVersion.remove(id);
                    finalText.remove(id);
                }
                case 2 -> { // deleted and created again
                    out.add(event(topic, i, 4, null));
                    out.add(event(topic, i, 5, text(i, 2)));
                    finalVersion.put(id, 5);
                    finalText.put(id, text(i, 2));
                }
                case 3 -> out.add(event(topic, i, 6, "   ")); // blank text: dead-lettered, version 3 stays
                default -> { }
            }
        }
        return out;
    }

    static KafkaConsumer<byte[], byte[]> consumer(String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrap());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "chunk-watch-" + System.nanoTime());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        c.subscribe(List.of(topic));
        return c;
    }

    /** The child's registry is its own: skip the 5-byte wire header and read with the schema it writes. */
    static GenericRecord read(byte[] wire, Schema schema) {
        try {
            return new GenericDatumReader<GenericRecord>(schema).read(null, DecoderFactory.get().binaryDecoder(wire, 5, wire.length - 5, null));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The output topic's records, in order: latest version (or -1 for a tombstone) per key, and every (key, version) emitted. */
    static final class Documents {
        final Map<String, Long> latest = new HashMap<>();
        final Set<String> emitted = new HashSet<>();

        void poll(KafkaConsumer<byte[], byte[]> c) {
            for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                String key = new String(r.key(), StandardCharsets.UTF_8);
                if (r.value() == null) {
                    latest.put(key, -1L);
                } else {
                    Long v = (Long) read(r.value(), dev.kembed.avro.DocumentEmbedding.getClassSchema()).get("version");
                    latest.put(key, v);
                    emitted.add(key + "@" + v);
                }
            }
        }
    }

    boolean done(Documents d) {
        for (int i = 0; i < DOCS; i++) {
            String id = "doc-" + i;
            long want = finalVersion.containsKey(id) ? finalVersion.get(id) : -1L;
            if (!Long.valueOf(want).equals(d.latest.get(id))) {
                return false;
            }
        }
        return true;
    }

    @Test
    void theCompactedChunksTopicHoldsExactlyTheCurrentChunksAfterAKill() throws Exception {
        String name = "chunks";
        kafka.createTopic(name + "-in", 4);
        Properties config = TestSupport.kembedConfig(name, kafka.bootstrap(), model, 0);
        config.put("kembed.chunks.topic", name + "-chunks");
        config.put("kembed.chunk.max.tokens", Integer.toString(CHUNK_TOKENS));
        config.put("kembed.window.overlap", "32");
        Path dir = tmp.resolve(name);
        List<ProducerRecord<byte[], byte[]>> creates = new ArrayList<>();
        for (int i = 0; i < DOCS; i++) {
            creates.add(event(name + "-in", i, 1, text(i, 1)));
        }
        kafka.send(name + "-in", creates);
        Documents docs = new Documents();
        try (KafkaConsumer<byte[], byte[]> out = consumer(name + "-out")) {
            try (ChildKembed first = ChildKembed.start(config, dir, name)) {
                long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
                while (docs.latest.size() < DOCS && System.nanoTime() < deadline) {
                    docs.poll(out);
                }
                assertThat(docs.latest).as("first versions\n%s", first.logTail()).hasSize(DOCS);
                List<ProducerRecord<byte[], byte[]>> updates = updates(name + "-in");
                kafka.send(name + "-in", updates);
                deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
                while (docs.emitted.size() < DOCS + DOCS / 3 && System.nanoTime() < deadline) {
                    docs.poll(out);
                }
                assertThat(done(docs)).as("killed in the middle of the updates").isFalse();
                first.kill();
                System.out.printf("chunks: killed with %d versions out%n", docs.emitted.size());
            }
            try (ChildKembed last = ChildKembed.start(config, dir, name)) {
                long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
                while (!done(docs) && System.nanoTime() < deadline) {
                    docs.poll(out);
                }
                assertThat(done(docs)).as("every document at its final state\n%s", last.logTail()).isTrue();
            }
        }
        checkChunksTopic(name + "-chunks", docs);
        List<ConsumerRecord<byte[], byte[]>> dead = kafka.readCommitted(name + "-in-dlq", DOCS / 4, Duration.ofSeconds(30));
        assertThat(dead).as("the blank versions, dead-lettered").hasSize(DOCS / 4);
    }

    private void checkChunksTopic(String topic, Documents docs) throws Exception {
        Map<String, GenericRecord> compacted = new TreeMap<>();
        Map<String, Set<Integer>> indexesPerVersion = new HashMap<>();
        Map<String, Integer> countPerVersion = new HashMap<>();
        Map<String, Integer> timesPerChunk = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> c = consumer(topic)) {
            int idle = 0;
            while (idle < 10) { // to the end: nothing new for 2 s
                var records = c.poll(Duration.ofMillis(200));
                idle = records.isEmpty() ? idle + 1 : 0;
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    String key = new String(r.key(), StandardCharsets.UTF_8);
                    if (r.value() == null) {
                        compacted.remove(key);
                        continue;
                    }
                    GenericRecord g = read(r.value(), dev.kembed.avro.ChunkEmbedding.getClassSchema());
                    compacted.put(key, g);
                    String version = g.get("id") + "@" + g.get("version");
                    indexesPerVersion.computeIfAbsent(version, v -> new HashSet<>()).add((Integer) g.get("chunk_index"));
                    countPerVersion.put(version, (Integer) g.get("chunk_count"));
                    timesPerChunk.merge(key + "@" + g.get("version"), 1, Integer::sum);
                }
            }
        }
        // every version on the topic is complete, written once, and also on the output topic
        assertThat(indexesPerVersion).isNotEmpty();
        indexesPerVersion.forEach((version, indexes) -> {
            assertThat(indexes).as("chunks of %s", version).hasSize(countPerVersion.get(version));
            assertThat(docs.emitted).as("%s was emitted on the output topic", version).contains(version);
        });
        assertThat(timesPerChunk.values()).as("each chunk of a version written once").containsOnly(1);
        assertThat(indexesPerVersion.keySet()).as("dead-lettered versions write no chunks").noneMatch(v -> v.endsWith("@6"));
        // the compacted view: exactly the current version's chunks of every live document, as the synchronous path cuts and embeds them
        dev.kembed.text.EmbeddingSettings settings = new dev.kembed.text.EmbeddingSettings(dev.kembed.text.Pooling.MEAN,
                dev.kembed.text.GlobalAttention.AUTO, false, WINDOW, 32);
        Set<String> expectedKeys = new HashSet<>();
        double worst = 0;
        try (dev.kembed.app.KembedModel m = dev.kembed.app.KembedModel.open(model, dev.kembed.engine.EngineSpec.cpu(1, 1, false)
                .withChunkSlots(dev.kembed.text.LateChunks.slotsForWindows(WINDOW, CHUNK_TOKENS)), "--engine")) {
            dev.kembed.embed.DirectEmbedder direct = new dev.kembed.embed.DirectEmbedder(
                    m.plan(settings, dev.kembed.text.WindowPlan.SettingNames.CLI), m.engine(), 4096);
            for (Map.Entry<String, Integer> live : finalVersion.entrySet()) {
                String id = live.getKey();
                var ref = direct.embedChunks(finalText.get(id), new dev.kembed.text.Chunker(CHUNK_TOKENS));
                for (int k = 0; k < ref.chunks().size(); k++) {
                    String key = id + "#" + k;
                    expectedKeys.add(key);
                    GenericRecord g = compacted.get(key);
                    assertThat(g).as(key).isNotNull();
                    assertThat(g.get("version")).as(key).isEqualTo((long) live.getValue());
                    assertThat(g.get("chunk_count")).isEqualTo(ref.chunks().size());
                    assertThat(g.get("text").toString()).isEqualTo(ref.chunks().get(k).text());
                    assertThat(g.get("token_start")).isEqualTo(ref.chunks().get(k).tokenStart());
                    float[] want = ref.vectors().get(k);
                    float[] got = TestSupport.embedding(g);
                    double diff = 0;
                    for (int d = 0; d < want.length; d++) {
                        diff = Math.max(diff, Math.abs(got[d] - want[d]));
                    }
                    assertThat(diff).as("%s vs the synchronous path", key).isLessThan(1e-4);
                    worst = Math.max(worst, diff);
                }
            }
        }
        assertThat(compacted.keySet()).as("the compacted view holds the current chunks and nothing else").isEqualTo(expectedKeys);
        System.out.printf("chunks: %d versions on the topic, %d current chunks of %d live documents, worst max abs %.2e vs the synchronous path%n",
                indexesPerVersion.size(), compacted.size(), finalVersion.size(), worst);
    }
}
