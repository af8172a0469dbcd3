package dev.kembed.it;

import static dev.kembed.testing.JsonDocuments.record;
import static dev.kembed.testing.JsonDocuments.text;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kembed.testing.IntegrationTest;
import dev.kembed.app.KembedApp;
import dev.kembed.app.KembedConfig;
import dev.kembed.avro.DocumentEmbedding;
import dev.kembed.stream.Names;
import dev.kembed.testing.BrokerTestBase;
import dev.kembed.testing.KafkaCluster;
import dev.kembed.testing.TestModels;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/** The running app against a real KRaft broker. */
@IntegrationTest
class StreamingIntegrationTest extends BrokerTestBase {

    static Properties config(String name) {
        Properties p = minimalConfig("it", name);
        p.put("kembed.topics.partitions", "4");
        p.put("kembed.batch.max.tokens", "16384");
        p.put("kembed.batch.max.wait.ms", "30");
        p.put("num.stream.threads", "2");
        return p;
    }

    @Test
    void fiveHundredDocumentsComeOutExactlyOnceWithBatchesMixingPartitions() throws Exception {
        String name = "mixed";
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            int words = i % 50 == 0 ? 3000 : i % 7 == 0 ? 400 : 5 + (i * 37) % 120;
            records.add(record(name + "-in", "doc-" + i, text(TestModels.longText(words) + " #" + i)));
        }
        try (KembedApp app = KembedApp.start(KembedConfig.from(config(name), Map.of()), tmp.resolve(name))) {
            kafka.send(name + "-in", records);
            List<ConsumerRecord<byte[], byte[]>> out = kafka.readCommitted(name + "-out", 500, Duration.ofMinutes(3));
            Map<String, Long> perKey = out.stream().collect(Collectors.groupingBy(r -> new String(r.key(), StandardCharsets.UTF_8), Collectors.counting()));
            assertThat(perKey).hasSize(500);
            assertThat(perKey.values()).allMatch(c -> c == 1L);
            for (ConsumerRecord<byte[], byte[]> r : out) {
                GenericRecord e = app.pipeline().wireFormat().read(r.value(), DocumentEmbedding.getClassSchema());
                assertThat(e.get("id").toString()).isEqualTo(new String(r.key(), StandardCharsets.UTF_8));
                assertThat((Integer) e.get("dimension")).isEqualTo(32);
                assertThat((Integer) e.get("source_partition")).isEqualTo(r.partition());
            }
            var m = app.pipeline().metrics();
            System.out.printf("batches=%d max partitions per batch=%.0f max process()=%.1f ms max inference=%.1f ms%n",
                    m.batches(), m.maxPartitionsPerBatch(), m.maxProcessMillis(), m.maxInferenceMillis());
            assertThat(m.maxPartitionsPerBatch()).as("a batch holds windows from several partitions").isGreaterThan(1);
        }
    }

    @Test
    void eachKindOfBadInputGoesToTheDlqAndGoodInputStillFlows() throws Exception {
        String name = "bad";
        Properties cfg = config(name);
        cfg.put("kembed.input.max.chars", "2000");
        String in = name + "-in";
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        records.add(record(in, null, text("no key")));
        records.add(record(in, "k-json", "{\"text\": \"unterminated"));
        records.add(record(in, "k-array", "[1, 2, 3]"));
        records.add(record(in, "k-missing", "{\"title\": \"a title but no text\"}"));
        records.add(record(in, "k-empty", "{\"text\": \"\"}"));
        records.add(record(in, "k-blank", "{\"text\": \" \\n\\t \"}"));
        records.add(new ProducerRecord<>(in, "k-utf8".getBytes(StandardCharsets.UTF_8), new byte[] {'{', (byte) 0xFF, (byte) 0xFE, '}'}));
        records.add(record(in, "k-long", text("x".repeat(2001))));
        records.add(record(in, "k-token", "{\"input_ids\": [5, -3]}"));
        records.add(record(in, "k-both", "{\"text\": \"hi\", \"input_ids\": [5]}"));
        records.add(record(in, "k-nul\u0000", text("a NUL in the key")));
        records.add(record(in, "k-ids-type", "{\"input_ids\": \"5 6 7\"}"));
        for (int i = 0; i < 20; i++) {
            records.add(record(in, "good-" + i, text("a perfectly good document number " + i)));
        }
        try (KembedApp app = KembedApp.start(KembedConfig.from(cfg, Map.of()), tmp.resolve(name))) {
            kafka.send(in, records);
            List<ConsumerRecord<byte[], byte[]>> dlq = kafka.readCommitted(name + "-in-dlq", 12, Duration.ofMinutes(2));
            Map<String, String> reasons = new HashMap<>();
            for (ConsumerRecord<byte[], byte[]> r : dlq) {
                Map<String, String> h = KafkaCluster.headers(r);
                assertThat(h).containsKeys(Names.HEADER_MESSAGE, Names.HEADER_TOPIC, Names.HEADER_PARTITION, Names.HEADER_OFFSET);
                assertThat(h.get(Names.HEADER_TOPIC)).isEqualTo(in);
                reasons.put(r.key() == null ? "<null>" : new String(r.key(), StandardCharsets.UTF_8), h.get(Names.HEADER_REASON));
            }
            assertThat(dlq).hasSize(12);
            assertThat(reasons).containsEntry("<null>", "null-key").containsEntry("k-json", "invalid-json")
                    .containsEntry("k-array", "invalid-json").containsEntry("k-missing", "missing-text")
                    .containsEntry("k-empty", "empty-text").containsEntry("k-blank", "blank-text")
                    .containsEntry("k-utf8", "invalid-utf8").containsEntry("k-long", "text-too-long")
                    .containsEntry("k-token", "invalid-token-id").containsEntry("k-both", "ambiguous-content")
                    .containsEntry("k-nul\u0000", "invalid-key").containsEntry("k-ids-type", "invalid-input-ids");
            assertThat(reasons.values().stream().distinct().count()).as("distinct kinds of bad input").isGreaterThanOrEqualTo(10);
            List<ConsumerRecord<byte[], byte[]>> out = kafka.readCommitted(name + "-out", 20, Duration.ofMinutes(2));
            assertThat(out).hasSize(20);
            assertThat(out.stream().map(r -> new String(r.key(), StandardCharsets.UTF_8))).allMatch(k -> k.startsWith("good-"));
        }
    }

    @Test
    void missingTopicsAreRefusedWhenCreationIsOff() {
        Properties cfg = config("nocreate");
        cfg.put("kembed.topics.create", "false");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> KembedApp.start(KembedConfig.from(cfg, Map.of()), tmp.resolve("nocreate")))
                .hasMessageContaining("do not exist and kembed.topics.create=false")
                .hasMessageContaining("nocreate-in");
    }
}
