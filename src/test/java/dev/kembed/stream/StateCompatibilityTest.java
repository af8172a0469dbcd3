package dev.kembed.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/**
 * Upgrading without wiping state: store values written by kembed 0.1's serdes (committed in
 * {@code state-v1/stores.json}, produced by that code before the format changed) are read by
 * this version, and what it writes now reads back the same.
 */
class StateCompatibilityTest {
    static JsonNode fixture() throws Exception {
        try (InputStream in = StateCompatibilityTest.class.getResourceAsStream("/state-v1/stores.json")) {
            return new ObjectMapper().readTree(in);
        }
    }

    @Test
    void documentStateWrittenByKembed01IsRead() throws Exception {
        for (JsonNode d : fixture().get("documents")) {
            DocState s = StateSerdes.DOC_STATE.deserializer().deserialize("t", HexFormat.of().parseHex(d.get("value_hex").asText()));
            assertThat(s.generation()).isEqualTo(d.get("generation").asLong());
            assertThat(s.version()).isEqualTo(d.get("version").isNull() ? null : d.get("version").asLong());
            assertThat(s.timestamp()).isEqualTo(d.get("timestamp").isNull() ? null : d.get("timestamp").asLong());
            Map<String, String> meta = new LinkedHashMap<>();
            d.get("metadata").fields().forEachRemaining(e -> meta.put(e.getKey(), e.getValue().isNull() ? null : e.getValue().asText()));
            assertThat(s.metadata()).isEqualTo(meta);
            assertThat(s.sourceTopic()).isEqualTo(d.get("source_topic").asText());
            assertThat(s.sourcePartition()).isEqualTo(d.get("source_partition").asInt());
            assertThat(s.expectedWindows()).isEqualTo(d.get("expected_windows").asInt());
            assertThat(s.doneWindows()).isEqualTo(d.get("done_windows").asInt());
            assertThat(s.tokenCount()).isEqualTo(d.get("token_count").asInt());
            double[] acc = new double[d.get("acc").size()];
            for (int i = 0; i < acc.length; i++) {
                acc[i] = d.get("acc").get(i).asDouble();
            }
            assertThat(s.acc()).containsExactly(acc);
            assertThat(s.weight()).isEqualTo(d.get("weight").asDouble());
            // and today's format round-trips the same content, starting with the Avro single-object marker
            byte[] now = StateSerdes.DOC_STATE.serializer().serialize("t", s);
            assertThat(now[0]).isEqualTo((byte) 0xC3);
            assertThat(now[1]).isEqualTo((byte) 0x01);
            assertThat(StateSerdes.DOC_STATE.deserializer().deserialize("t", now)).usingRecursiveComparison().isEqualTo(s);
        }
    }

    /** A value written with state schema 1 (before received_at) reads back under schema 2, received_at null. */
    @Test
    void documentStateWrittenWithSchema1IsResolved() throws Exception {
        org.apache.avro.Schema v1 = StateSerdes.DOC_STATE_HISTORY.get(0);
        assertThat(v1.getField("received_at")).isNull();
        org.apache.avro.generic.GenericRecord r = new org.apache.avro.generic.GenericData.Record(v1);
        r.put("generation", 41L);
        r.put("version", 3L);
        r.put("timestamp", 1764400000123L);
        r.put("metadata", Map.of("source", "wiki"));
        r.put("source_topic", "documents");
        r.put("source_partition", 2);
        r.put("expected_windows", 4);
        r.put("done_windows", 1);
        r.put("token_count", 900);
        r.put("acc", java.nio.ByteBuffer.wrap(new byte[16]));
        r.put("weight", 1.5);
        java.nio.ByteBuffer b = new org.apache.avro.message.BinaryMessageEncoder<org.apache.avro.generic.GenericRecord>(
                org.apache.avro.generic.GenericData.get(), v1).encode(r);
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        DocState s = StateSerdes.DOC_STATE.deserializer().deserialize("t", bytes);
        assertThat(s.generation()).isEqualTo(41L);
        assertThat(s.tokenCount()).isEqualTo(900);
        assertThat(s.acc()).containsExactly(0.0, 0.0);
        assertThat(s.receivedAt()).isNull();
        byte[] now = StateSerdes.DOC_STATE.serializer().serialize("t", s.withResult(s.acc(), 2.0));
        assertThat(StateSerdes.DOC_STATE.deserializer().deserialize("t", now).doneWindows()).isEqualTo(2);
    }

    static byte[] encode(org.apache.avro.Schema writer, org.apache.avro.generic.GenericRecord r) throws Exception {
        java.nio.ByteBuffer b = new org.apache.avro.message.BinaryMessageEncoder<org.apache.avro.generic.GenericRecord>(
                org.apache.avro.generic.GenericData.get(), writer).encode(r);
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        return bytes;
    }

    /** A document state written with schema 3 (before source headers were kept) reads back with none; today's keeps them. */
    @Test
    void documentStateWrittenWithSchema3IsResolvedAndHeadersRoundTrip() throws Exception {
        org.apache.avro.Schema v3 = StateSerdes.DOC_STATE_HISTORY.get(2);
        assertThat(v3.getField("source_headers")).isNull();
        org.apache.avro.generic.GenericRecord r = new org.apache.avro.generic.GenericData.Record(v3);
        r.put("generation", 7L);
        r.put("metadata", Map.of());
        r.put("source_topic", "documents");
        r.put("source_partition", 1);
        r.put("expected_windows", 2);
        r.put("done_windows", 0);
        r.put("token_count", 10);
        r.put("acc", java.nio.ByteBuffer.wrap(new byte[8]));
        r.put("weight", 0.0);
        r.put("chunk_windows", 1);
        DocState s = StateSerdes.DOC_STATE.deserializer().deserialize("t", encode(v3, r));
        assertThat(s.chunkWindows()).isEqualTo(1);
        assertThat(s.sourceHeaders()).isEmpty();
        org.apache.kafka.common.header.Header[] headers = {new org.apache.kafka.common.header.internals.RecordHeader("trace", new byte[] {1, (byte) 0xFF}),
                new org.apache.kafka.common.header.internals.RecordHeader("none", null)};
        DocState withHeaders = new DocState(s.generation(), s.version(), s.timestamp(), s.metadata(), s.sourceTopic(), s.sourcePartition(),
                s.expectedWindows(), s.doneWindows(), s.tokenCount(), s.acc(), s.weight(), s.receivedAt(), s.chunkWindows(), headers);
        DocState back = StateSerdes.DOC_STATE.deserializer().deserialize("t", StateSerdes.DOC_STATE.serializer().serialize("t", withHeaders));
        assertThat(back.sourceHeaders()).hasSize(2);
        assertThat(back.sourceHeaders()[0].key()).isEqualTo("trace");
        assertThat(back.sourceHeaders()[0].value()).containsExactly(1, (byte) 0xFF);
        assertThat(back.sourceHeaders()[1].value()).isNull();
    }

    /** A document state written with schema 4 (before fingerprints) reads back with none: a restart cannot recompute it; today's keeps one. */
    @Test
    void documentStateWrittenWithSchema4HasNoFingerprintAndTodaysKeepsIt() throws Exception {
        org.apache.avro.Schema v4 = StateSerdes.DOC_STATE_HISTORY.get(3);
        assertThat(v4.getField("source_headers")).isNotNull();
        assertThat(v4.getField("fingerprint")).isNull();
        org.apache.avro.generic.GenericRecord r = new org.apache.avro.generic.GenericData.Record(v4);
        r.put("generation", 9L);
        r.put("metadata", Map.of());
        r.put("source_topic", "documents");
        r.put("source_partition", 0);
        r.put("expected_windows", 3);
        r.put("done_windows", 1);
        r.put("token_count", 30);
        r.put("acc", java.nio.ByteBuffer.wrap(new byte[24]));
        r.put("weight", 1.0);
        r.put("chunk_windows", 0);
        r.put("source_headers", List.of());
        DocState s = StateSerdes.DOC_STATE.deserializer().deserialize("t", encode(v4, r));
        assertThat(s.acc()).hasSize(3);
        assertThat(s.fingerprint()).isNull();
        assertThat(s.withResult(s.acc(), 2.0).fingerprint()).isNull();
        DocState stamped = new DocState(s.generation(), s.version(), s.timestamp(), s.metadata(), s.sourceTopic(), s.sourcePartition(),
                s.expectedWindows(), s.doneWindows(), s.tokenCount(), s.acc(), s.weight(), s.receivedAt(), s.chunkWindows(), s.sourceHeaders(),
                "0123456789abcdef");
        DocState back = StateSerdes.DOC_STATE.deserializer().deserialize("t", StateSerdes.DOC_STATE.serializer().serialize("t", stamped));
        assertThat(back.fingerprint()).isEqualTo("0123456789abcdef");
        assertThat(back.withResult(back.acc(), 3.0).fingerprint()).as("kept through every window").isEqualTo("0123456789abcdef");
        assertThat(back.origin()).usingRecursiveComparison().isEqualTo(stamped.origin());
    }

    /** A version's stored input round-trips as text or as ids (negative and large ids too), never both. */
    @Test
    void documentInputsRoundTrip() {
        for (DocumentInput in : List.of(new DocumentInput("café 😀 東京", null), new DocumentInput(null, new int[] {0, 5, 300, -1, Integer.MAX_VALUE}),
                new DocumentInput("", null))) {
            byte[] bytes = StateSerdes.DOCUMENT_INPUT.serializer().serialize("t", in);
            assertThat(bytes[0]).isEqualTo((byte) 0xC3);
            assertThat((long) bytes.length).as("the size bound the changelog check uses").isLessThanOrEqualTo(in.maxBytes());
            DocumentInput back = StateSerdes.DOCUMENT_INPUT.deserializer().deserialize("t", bytes);
            assertThat(back.text()).isEqualTo(in.text());
            assertThat(back.inputIds()).isEqualTo(in.inputIds());
        }
    }

    /** A parked record written with parked schema 1 (no headers) reads back with none, whole. */
    @Test
    void parkedRecordWrittenWithSchema1IsResolved() throws Exception {
        org.apache.avro.Schema v1 = StateSerdes.PARKED_RECORD_HISTORY.get(0);
        org.apache.avro.generic.GenericRecord r = new org.apache.avro.generic.GenericData.Record(v1);
        r.put("key", java.nio.ByteBuffer.wrap(new byte[] {'k'}));
        r.put("value", java.nio.ByteBuffer.wrap(new byte[] {1, 2, 3}));
        r.put("timestamp", 5L);
        r.put("source_topic", "documents");
        r.put("source_partition", 3);
        r.put("source_offset", 99L);
        ParkedRecord p = StateSerdes.PARKED_RECORD.deserializer().deserialize("t", encode(v1, r));
        assertThat(p.value()).containsExactly(1, 2, 3);
        assertThat(p.source()).isEqualTo(new SourceRecord("documents", 3, 99L));
        assertThat(p.headers()).isEmpty();
        assertThat(p.cutFromBytes()).isNull();
        ParkedRecord withHeaders = new ParkedRecord(p.key(), p.value(), p.timestamp(), p.source(),
                new org.apache.kafka.common.header.Header[] {new org.apache.kafka.common.header.internals.RecordHeader("h", new byte[] {9})});
        ParkedRecord back = StateSerdes.PARKED_RECORD.deserializer().deserialize("t", StateSerdes.PARKED_RECORD.serializer().serialize("t", withHeaders));
        assertThat(back.headers()[0].value()).containsExactly(9);
    }

    @Test
    void pendingWindowsWrittenByKembed01AreRead() throws Exception {
        for (JsonNode w : fixture().get("pending_windows")) {
            PendingWindow p = StateSerdes.PENDING_WINDOW.deserializer().deserialize("t", HexFormat.of().parseHex(w.get("value_hex").asText()));
            assertThat(p.index()).isEqualTo(w.get("index").asInt());
            assertThat(p.ids()).containsExactly(ints(w.get("ids")));
            assertThat(p.poolMask()).containsExactly(ints(w.get("pool_mask")));
            assertThat(p.globalCls()).isEqualTo(w.get("global_cls").asBoolean());
            assertThat(p.charStart()).isEqualTo(w.get("char_start").asInt());
            assertThat(p.charEnd()).isEqualTo(w.get("char_end").asInt());
            assertThat(p.ownedTokens()).isEqualTo(w.get("owned_tokens").asInt());
            assertThat(p.toEngineWindow().globalMask() != null).isEqualTo(p.globalCls());
            // the store key layout is unchanged too: a restarted task finds and resubmits the window
            assertThat(w.get("key").asText()).startsWith("doc-a\u0000").endsWith(String.format("%09d", p.index()));
            byte[] now = StateSerdes.PENDING_WINDOW.serializer().serialize("t", p);
            assertThat(StateSerdes.PENDING_WINDOW.deserializer().deserialize("t", now)).usingRecursiveComparison().isEqualTo(p);
        }
    }

    @Test
    void anUnknownFormatIsRefusedWithAMessage() {
        assertThatThrownBy(() -> StateSerdes.DOC_STATE.deserializer().deserialize("t", new byte[] {7, 1, 2}))
                .isInstanceOf(SerializationException.class).hasMessageContaining("starts with 0x07");
    }

    static int[] ints(JsonNode a) {
        int[] v = new int[a.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = a.get(i).asInt();
        }
        return v;
    }
}
