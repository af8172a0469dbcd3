package dev.kembed.it;

import dev.kembed.testing.ApicurioRegistry;
import dev.kembed.testing.IntegrationTest;
import dev.kembed.testing.TestSupport;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kembed.app.KembedApp;
import dev.kembed.app.KembedConfig;
import dev.kembed.avro.Document;
import dev.kembed.serde.AvroWireFormat;
import dev.kembed.serde.SchemaRegistry;
import dev.kembed.serde.SerdeException;
import dev.kembed.testing.BrokerTestBase;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Against a real schema registry: Apicurio Registry 2.4.2 (its Confluent-compatible API), built by
 * {@code mvn verify} from test-support/apicurio and run here as a child process ({@link ApicurioRegistry}).
 */
@IntegrationTest
class RealRegistryIntegrationTest extends BrokerTestBase {
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final ObjectMapper JSON = new ObjectMapper();
    /** document.avsc as it was before input_ids and metadata: what older producers still write. */
    static final Schema OLD_DOCUMENT = new Schema.Parser().parse("""
            {"type": "record", "name": "Document", "namespace": "dev.kembed.avro", "fields": [
              {"name": "id", "type": "string"},
              {"name": "text", "type": ["null", "string"], "default": null},
              {"name": "version", "type": ["null", "long"], "default": null}]}""");

    static ApicurioRegistry registry;
    static String url;

    @BeforeAll
    static void startRegistry() throws Exception {
        registry = ApicurioRegistry.start(tmp);
        url = registry.url();
    }

    @AfterAll
    static void stopRegistry() throws Exception {
        if (registry != null) {
            registry.close();
        }
    }

    static JsonNode get(String path) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url + path)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    @Test
    void avroThroughARealRegistry() throws Exception {
        String name = "registry";
        Properties p = TestSupport.kembedConfig(name, kafka.bootstrap(), model, 0);
        p.put("kembed.input.format", "avro");
        p.put("kembed.schema.registry.url", url);
        AvroWireFormat producerSide = new AvroWireFormat(SchemaRegistry.forUrl(url));
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Document d = Document.newBuilder().setId("new-" + i).setText("a document written with today's schema, number " + i)
                    .setMetadata(Map.of("source", "wiki")).build();
            records.add(new ProducerRecord<>(name + "-in", d.getId().getBytes(StandardCharsets.UTF_8), producerSide.write(name + "-in-value", d)));
        }
        for (int i = 0; i < 2; i++) {
            GenericRecord old = new GenericData.Record(OLD_DOCUMENT);
            old.put("id", "old-" + i);
            old.put("text", "a document an older producer wrote, number " + i);
            old.put("version", 3L);
            records.add(new ProducerRecord<>(name + "-in", ("old-" + i).getBytes(StandardCharsets.UTF_8), producerSide.write(name + "-in-value", old)));
        }
        try (KembedApp app = KembedApp.start(KembedConfig.from(p, Map.of()), tmp.resolve(name))) {
            kafka.send(name + "-in", records);
            List<ConsumerRecord<byte[], byte[]>> out = kafka.readCommitted(name + "-out", 5, Duration.ofMinutes(1));
            assertThat(out).hasSize(5);
            assertThat(kafka.readCommitted(name + "-in-dlq", 1, Duration.ofSeconds(1))).isEmpty();

            // the input subject holds both producer versions; kembed registered its output under <topic>-value
            assertThat(get("/subjects/" + name + "-in-value/versions").size()).isEqualTo(2);
            List<String> subjects = new ArrayList<>();
            get("/subjects").forEach(s -> subjects.add(s.asText()));
            assertThat(subjects).contains(name + "-out-value");

            // a plain Avro reader, the writer schema fetched by id from the registry's REST API
            for (ConsumerRecord<byte[], byte[]> r : out) {
                ByteBuffer b = ByteBuffer.wrap(r.value());
                assertThat(b.get()).isZero();
                int id = b.getInt();
                Schema writer = new Schema.Parser().parse(get("/schemas/ids/" + id).get("schema").asText());
                GenericRecord e = new GenericDatumReader<GenericRecord>(writer).read(null,
                        DecoderFactory.get().binaryDecoder(r.value(), 5, r.value().length - 5, null));
                String key = new String(r.key(), StandardCharsets.UTF_8);
                assertThat(e.get("id").toString()).isEqualTo(key);
                assertThat(((List<?>) e.get("embedding"))).hasSize((Integer) e.get("dimension"));
                if (key.startsWith("old-")) {
                    assertThat(e.get("version")).isEqualTo(3L);
                } else {
                    assertThat(((Map<?, ?>) e.get("metadata")).toString()).contains("source=wiki");
                }
            }
        }
    }

    /** A registry that answers and refuses kembed's output schema is a configuration error: start-up stops, naming the subject. */
    @Test
    void kembedRefusesToStartWhenTheRegistryRefusesItsOutputSchema() throws Exception {
        String name = "refused";
        String subject = name + "-out-value";
        // an earlier DocumentEmbedding without "id": under BACKWARD, today's schema (id has no default) cannot read it
        SchemaRegistry.forUrl(url).register(subject, new Schema.Parser().parse("""
                {"type": "record", "name": "DocumentEmbedding", "namespace": "dev.kembed.avro", "fields": [
                  {"name": "legacy", "type": "string"}]}"""));
        HttpResponse<String> set = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/config/" + subject))
                .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"compatibility\": \"BACKWARD\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(set.statusCode()).as(set.body()).isEqualTo(200);
        Properties p = TestSupport.kembedConfig(name, kafka.bootstrap(), model, 0);
        p.put("kembed.schema.registry.url", url);
        assertThatThrownBy(() -> KembedApp.start(KembedConfig.from(p, Map.of()), tmp.resolve(name))).isInstanceOf(SerdeException.class)
                .satisfies(e -> assertThat(((SerdeException) e).reason()).isEqualTo("registry-incompatible"))
                .hasMessageStartingWith("the schema registry refused kembed's output schema, subject '" + subject + "' (dev.kembed.avro.DocumentEmbedding)")
                .hasMessageContaining("as incompatible (409)").hasMessageContaining("kembed does not start");
    }

    @Test
    void anIncompatibleSchemaFailsWithTheRegistrysReason() throws Exception {
        String subject = "strict-value";
        SchemaRegistry r = SchemaRegistry.forUrl(url);
        r.register(subject, OLD_DOCUMENT);
        HttpResponse<String> set = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/config/" + subject))
                .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"compatibility\": \"BACKWARD\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(set.statusCode()).as(set.body()).isEqualTo(200);
        // a new required field without a default cannot read the old records
        Schema incompatible = new Schema.Parser().parse("""
                {"type": "record", "name": "Document", "namespace": "dev.kembed.avro", "fields": [
                  {"name": "id", "type": "string"}, {"name": "text", "type": ["null", "string"], "default": null},
                  {"name": "version", "type": ["null", "long"], "default": null}, {"name": "tenant", "type": "string"}]}""");
        assertThatThrownBy(() -> r.register(subject, incompatible)).isInstanceOf(SerdeException.class)
                .satisfies(e -> assertThat(((SerdeException) e).reason()).isEqualTo("registry-incompatible"))
                .hasMessageContaining("as incompatible (409)");
    }
}
