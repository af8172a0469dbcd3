package dev.kembed.serde;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kembed.avro.DocumentEmbedding;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Bytes written by Confluent's own Avro serializer (../shared/fixtures/confluent-wire/golden.json, or
 * its copy under src/test/resources): kembed decodes every case to the given record and encodes
 * every record with the given schema id to exactly the given bytes.
 */
class ConfluentGoldenBytesTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static JsonNode golden;
    static Map<Integer, Schema> schemas = new LinkedHashMap<>();

    @BeforeAll
    static void load() throws Exception {
        Path shared = Path.of("../shared/fixtures/confluent-wire");
        golden = JSON.readTree(read(shared, "golden.json"));
        for (Iterator<Map.Entry<String, JsonNode>> it = golden.get("schemas").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            schemas.put(Integer.parseInt(e.getKey()), new Schema.Parser().parse(new String(read(shared, e.getValue().asText()))));
        }
        assertThat(golden.get("cases").size()).isGreaterThanOrEqualTo(3);
    }

    static byte[] read(Path shared, String name) throws Exception {
        if (Files.exists(shared.resolve(name))) {
            return Files.readAllBytes(shared.resolve(name));
        }
        try (InputStream in = ConfluentGoldenBytesTest.class.getResourceAsStream("/fixtures/confluent-wire/" + name)) {
            assertThat(in).as(name + " in ../shared/fixtures or src/test/resources/fixtures").isNotNull();
            return in.readAllBytes();
        }
    }

    /** The ids the fixture was written with, as a registry would hand them out. */
    static final SchemaRegistry FIXED = new SchemaRegistry() {
        @Override
        public int register(String subject, Schema schema) {
            for (Map.Entry<Integer, Schema> e : schemas.entrySet()) {
                if (e.getValue().equals(schema) || e.getValue().getFullName().equals(schema.getFullName()) && subject.endsWith("-current")) {
                    return e.getKey();
                }
            }
            throw SerdeException.registryRefused("registry-unknown", "no id for " + schema.getFullName());
        }

        @Override
        public Schema byId(int id) {
            return schemas.get(id);
        }
    };

    @Test
    void everyCaseDecodesToItsRecord() {
        AvroWireFormat wire = new AvroWireFormat(FIXED);
        for (Iterator<Map.Entry<String, JsonNode>> it = golden.get("cases").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> c = it.next();
            Schema schema = schemas.get(c.getValue().get("schema_id").asInt());
            GenericRecord decoded = wire.read(HexFormat.of().parseHex(c.getValue().get("hex").asText()), schema);
            assertThat(plain(decoded)).as(c.getKey()).isEqualTo(plain(record(schema, c.getValue().get("record"))));
        }
    }

    @Test
    void everyRecordEncodesToExactlyTheGoldenBytes() {
        AvroWireFormat wire = new AvroWireFormat(FIXED);
        for (Iterator<Map.Entry<String, JsonNode>> it = golden.get("cases").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> c = it.next();
            Schema schema = schemas.get(c.getValue().get("schema_id").asInt());
            byte[] bytes = wire.write("golden-value", record(schema, c.getValue().get("record")));
            assertThat(HexFormat.of().formatHex(bytes)).as(c.getKey()).isEqualTo(c.getValue().get("hex").asText());
        }
    }

    /**
     * kembed's own output path (the generated class, timestamp as an Instant) writes the same bytes:
     * today's schema only appends the optional engine and precision, as two null-branch bytes.
     */
    @Test
    void theOutputRecordClassWritesTheSameBytesPlusItsTwoNewOptionalFields() {
        JsonNode c = golden.get("cases").get("embedding");
        JsonNode r = c.get("record");
        List<Float> embedding = new ArrayList<>();
        r.get("embedding").forEach(v -> embedding.add((float) v.asDouble()));
        DocumentEmbedding e = DocumentEmbedding.newBuilder().setId(r.get("id").asText()).setVersion(r.get("version").asLong())
                .setTimestamp(Instant.ofEpochMilli(r.get("timestamp").asLong())).setModel(r.get("model").asText())
                .setModelFingerprint(r.get("model_fingerprint").asText()).setPooling(r.get("pooling").asText())
                .setNormalized(r.get("normalized").asBoolean()).setDimension(r.get("dimension").asInt())
                .setTokenCount(r.get("token_count").asInt()).setWindowCount(r.get("window_count").asInt()).setEmbedding(embedding)
                .setMetadata(Map.of("source", r.get("metadata").get("source").asText())).setSourceTopic(r.get("source_topic").asText())
                .setSourcePartition(r.get("source_partition").asInt()).setSourceOffset(r.get("source_offset").asLong()).build();
        byte[] bytes = new AvroWireFormat(FIXED).write("embeddings-current", e);
        assertThat(HexFormat.of().formatHex(bytes)).isEqualTo(c.get("hex").asText() + "0000");
        // and a reader on today's schema reads the old bytes, the new fields null
        GenericRecord old = new AvroWireFormat(FIXED).read(HexFormat.of().parseHex(c.get("hex").asText()), DocumentEmbedding.getClassSchema());
        assertThat(old.get("engine")).isNull();
        assertThat(old.get("embedding").toString()).isEqualTo(embedding.toString());
    }

    /** A record of {@code schema} from the fixture's JSON (unions: null or the one non-null branch). */
    static GenericRecord record(Schema schema, JsonNode json) {
        GenericData.Record r = new GenericData.Record(schema);
        for (Schema.Field f : schema.getFields()) {
            r.put(f.name(), value(f.schema(), json.get(f.name())));
        }
        return r;
    }

    static Object value(Schema s, JsonNode v) {
        if (s.getType() == Schema.Type.UNION) {
            if (v == null || v.isNull()) {
                return null;
            }
            return value(s.getTypes().stream().filter(t -> t.getType() != Schema.Type.NULL).findFirst().orElseThrow(), v);
        }
        return switch (s.getType()) {
            case STRING -> v.asText();
            case LONG -> v.asLong();
            case INT -> v.asInt();
            case BOOLEAN -> v.asBoolean();
            case FLOAT -> (float) v.asDouble();
            case DOUBLE -> v.asDouble();
            case ARRAY -> {
                List<Object> l = new ArrayList<>();
                v.forEach(x -> l.add(value(s.getElementType(), x)));
                yield new GenericData.Array<>(s, l);
            }
            case MAP -> {
                Map<String, Object> m = new LinkedHashMap<>();
                v.fields().forEachRemaining(e -> m.put(e.getKey(), value(s.getValueType(), e.getValue())));
                yield m;
            }
            default -> throw new IllegalArgumentException("fixture type " + s.getType());
        };
    }

    /** Avro's Utf8 and GenericArray as plain Java values, so records compare by content. */
    static Object plain(Object o) {
        if (o instanceof GenericRecord r) {
            Map<String, Object> m = new LinkedHashMap<>();
            r.getSchema().getFields().forEach(f -> m.put(f.name(), plain(r.get(f.name()))));
            return m;
        }
        if (o instanceof CharSequence cs) {
            return cs.toString();
        }
        if (o instanceof List<?> l) {
            return l.stream().map(ConfluentGoldenBytesTest::plain).toList();
        }
        if (o instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            m.forEach((k, v) -> out.put(k.toString(), plain(v)));
            return out;
        }
        return o;
    }
}
