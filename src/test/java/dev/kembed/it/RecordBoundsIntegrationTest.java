package dev.kembed.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kembed.app.KembedApp;
import dev.kembed.app.KembedConfig;
import dev.kembed.stream.Names;
import dev.kembed.stream.RecordLimits;
import dev.kembed.testing.BrokerTestBase;
import dev.kembed.testing.IntegrationTest;
import dev.kembed.testing.JsonDocuments;
import dev.kembed.testing.KafkaCluster;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.ThreadMetadata;
import org.junit.jupiter.api.Test;

/**
 * No record can stop the pipeline (issue 25), against a real broker: an input topic that takes
 * 4 MB records, a 2.5 MB record of invalid JSON and a valid document whose metadata is just under
 * 1 MB among ordinary documents. Both bad ones reach the DLQ bounded, with their reasons, sizes,
 * coordinates and their own header bytes; every ordinary document comes out once; the one stream
 * thread is the one that started. Chunk records share their document's partition, and a chunks
 * topic that is not compacted refuses start-up naming the setting.
 */
@IntegrationTest
class RecordBoundsIntegrationTest extends BrokerTestBase {
    static final int FOUR_MB = 4 << 20;

    static void createTopic(String name, int partitions, Map<String, String> configs) throws Exception {
        Properties p = kafka.clientSecurity();
        p.put("bootstrap.servers", kafka.bootstrap());
        try (Admin a = Admin.create(p)) {
            a.createTopics(List.of(new NewTopic(name, partitions, (short) 1).configs(configs))).all().get();
        }
        kafka.readCommitted(name, 0, Duration.ZERO); // waits for the leaders as a consumer sees them
    }

    /** Sends in order and returns where each record landed (a producer that takes 4 MB records). */
    static List<RecordMetadata> send(List<ProducerRecord<byte[], byte[]>> records) throws Exception {
        Properties p = kafka.clientSecurity();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrap());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1");
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(FOUR_MB));
        List<RecordMetadata> out = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (ProducerRecord<byte[], byte[]> r : records) {
                sent.add(producer.send(r));
            }
            for (Future<RecordMetadata> f : sent) {
                out.add(f.get());
            }
        }
        return out;
    }

    static ProducerRecord<byte[], byte[]> withHeaders(ProducerRecord<byte[], byte[]> r, String trace) {
        r.headers().add("trace-id", trace.getBytes(StandardCharsets.UTF_8));
        r.headers().add("binary", new byte[] {0, 1, (byte) 0xFF, (byte) 0x80});
        return r;
    }

    @Test
    void oversizedInputGoesToTheDlqBoundedAndTheRestFlowsOnTheSameThread() throws Exception {
        String name = "bounds";
        String in = name + "-in";
        createTopic(in, 2, Map.of("max.message.bytes", Integer.toString(FOUR_MB)));
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            records.add(withHeaders(JsonDocuments.document(in, "ok-" + i, "an ordinary document number " + i), "t-ok-" + i));
        }
        byte[] badJson = ("{\"text\": \"" + "y".repeat(2_500_000)).getBytes(StandardCharsets.UTF_8); // never closed
        records.add(withHeaders(new ProducerRecord<>(in, "big-json".getBytes(StandardCharsets.UTF_8), badJson), "t-big-json"));
        String meta = "{\"text\": \"a valid document\", \"metadata\": {\"blob\": \"" + "m".repeat(1_000_000) + "\"}}";
        byte[] bigMeta = meta.getBytes(StandardCharsets.UTF_8);
        assertThat(bigMeta.length).as("just under 1 MB").isBetween(1_000_000, 1_048_576);
        records.add(withHeaders(new ProducerRecord<>(in, "big-meta".getBytes(StandardCharsets.UTF_8), bigMeta), "t-big-meta"));
        for (int i = 10; i < 20; i++) {
            records.add(withHeaders(JsonDocuments.document(in, "ok-" + i, "an ordinary document number " + i), "t-ok-" + i));
        }
        Properties cfg = minimalConfig("it", name);
        cfg.put("num.stream.threads", "1");
        try (KembedApp app = KembedApp.start(KembedConfig.from(cfg, Map.of()), tmp.resolve(name))) {
            List<RecordMetadata> where = send(records);
            List<ConsumerRecord<byte[], byte[]>> out = kafka.readCommitted(name + "-out", 20, Duration.ofMinutes(2));
            Map<String, Long> perKey = out.stream().collect(Collectors.groupingBy(r -> new String(r.key(), StandardCharsets.UTF_8),
                    Collectors.counting()));
            assertThat(perKey).hasSize(20).allSatisfy((k, n) -> assertThat(n).as(k).isEqualTo(1L));
            assertThat(perKey.keySet()).allMatch(k -> k.startsWith("ok-"));

            List<ConsumerRecord<byte[], byte[]>> dlq = kafka.readCommitted(in + "-dlq", 2, Duration.ofMinutes(1));
            assertThat(dlq).hasSize(2);
            Map<String, ConsumerRecord<byte[], byte[]>> byKey = new HashMap<>();
            dlq.forEach(r -> byKey.put(new String(r.key(), StandardCharsets.UTF_8), r));
            checkLetter(byKey.get("big-json"), "invalid-json", badJson, where.get(10), "t-big-json");
            checkLetter(byKey.get("big-meta"), "metadata-too-large", bigMeta, where.get(11), "t-big-meta");
            for (ConsumerRecord<byte[], byte[]> r : dlq) {
                assertThat(r.serializedValueSize()).isEqualTo(RecordLimits.DEFAULT_DLQ_MAX_VALUE_BYTES);
                assertThat(KafkaCluster.headers(r).get(Names.HEADER_TRUNCATED)).isEqualTo("value");
            }
            // the stream thread never died: the one that started is the one running (a replacement gets a new name)
            List<String> threads = app.streams().metadataForLocalThreads().stream().map(ThreadMetadata::threadName).toList();
            assertThat(threads).singleElement().satisfies(t -> assertThat(t).endsWith("-StreamThread-1"));
            assertThat(app.streams().state().isRunningOrRebalancing()).isTrue();
        }
    }

    private static void checkLetter(ConsumerRecord<byte[], byte[]> r, String reason, byte[] original, RecordMetadata where, String trace) {
        assertThat(r).as(reason).isNotNull();
        Map<String, String> h = KafkaCluster.headers(r);
        assertThat(h.get(Names.HEADER_REASON)).isEqualTo(reason);
        assertThat(h.get(Names.HEADER_VALUE_BYTES)).isEqualTo(Integer.toString(original.length));
        assertThat(h.get(Names.HEADER_TOPIC)).isEqualTo(where.topic());
        assertThat(h.get(Names.HEADER_PARTITION)).isEqualTo(Integer.toString(where.partition()));
        assertThat(h.get(Names.HEADER_OFFSET)).isEqualTo(Long.toString(where.offset()));
        // the source record's own headers, byte for byte, ahead of kembed's
        Header[] all = r.headers().toArray();
        assertThat(all[0].key()).isEqualTo("trace-id");
        assertThat(all[0].value()).isEqualTo(trace.getBytes(StandardCharsets.UTF_8));
        assertThat(all[1].key()).isEqualTo("binary");
        assertThat(all[1].value()).containsExactly(0, 1, (byte) 0xFF, (byte) 0x80);
        assertThat(r.value()).isEqualTo(java.util.Arrays.copyOf(original, RecordLimits.DEFAULT_DLQ_MAX_VALUE_BYTES));
    }

    @Test
    void chunksShareTheirDocumentsPartition() throws Exception {
        String name = "chunkpart";
        Properties cfg = minimalConfig("it", name);
        cfg.put("kembed.chunks.topic", name + "-chunks");
        cfg.put("kembed.chunk.max.tokens", "16");
        cfg.put("kembed.topics.partitions", "4");
        List<ProducerRecord<byte[], byte[]>> docs = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            docs.add(JsonDocuments.document(name + "-in", "doc-" + i, dev.kembed.testing.TestModels.longText(60 + i * 5) + " #" + i));
        }
        try (KembedApp app = KembedApp.start(KembedConfig.from(cfg, Map.of()), tmp.resolve(name))) {
            kafka.send(name + "-in", docs);
            List<ConsumerRecord<byte[], byte[]>> out = kafka.readCommitted(name + "-out", 24, Duration.ofMinutes(2));
            assertThat(out).hasSize(24);
            Map<String, Integer> docPartition = new HashMap<>();
            out.forEach(r -> docPartition.put(new String(r.key(), StandardCharsets.UTF_8), r.partition()));
            List<ConsumerRecord<byte[], byte[]>> chunks = kafka.readCommitted(name + "-chunks", 48, Duration.ofMinutes(1));
            assertThat(chunks.size()).as("several chunks per document").isGreaterThan(48);
            assertThat(docPartition.values().stream().distinct().count()).as("documents spread over partitions").isGreaterThan(1);
            for (ConsumerRecord<byte[], byte[]> c : chunks) {
                String key = new String(c.key(), StandardCharsets.UTF_8);
                String id = key.substring(0, key.lastIndexOf('#'));
                assertThat(c.partition()).as(key).isEqualTo(docPartition.get(id));
            }
        }
    }

    @Test
    void aChunksTopicThatIsNotCompactedRefusesStartUp() throws Exception {
        String name = "chunkdelete";
        createTopic(name + "-chunks", 4, Map.of("cleanup.policy", "delete"));
        Properties cfg = minimalConfig("it", name);
        cfg.put("kembed.chunks.topic", name + "-chunks");
        cfg.put("kembed.topics.partitions", "4");
        assertThatThrownBy(() -> KembedApp.start(KembedConfig.from(cfg, Map.of()), tmp.resolve(name)))
                .hasMessageContaining("kembed.chunks.topic").hasMessageContaining("cleanup.policy=delete")
                .hasMessageContaining("cleanup.policy=compact").hasMessageContaining(name + "-chunks");
    }

    @Test
    void aDlqTopicTooSmallForTheBoundsRefusesStartUpWithTheNumbers() throws Exception {
        String name = "smalldlq";
        createTopic(name + "-in-dlq", 1, Map.of("max.message.bytes", "100000"));
        Properties cfg = minimalConfig("it", name);
        assertThatThrownBy(() -> KembedApp.start(KembedConfig.from(cfg, Map.of()), tmp.resolve(name)))
                .hasMessageContaining(name + "-in-dlq").hasMessageContaining("100000").hasMessageContaining("kembed.dlq.max.value.bytes");
    }
}
