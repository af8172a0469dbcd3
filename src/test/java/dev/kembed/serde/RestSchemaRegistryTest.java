package dev.kembed.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.kembed.avro.Document;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The REST client against a stand-in that answers like Confluent Schema Registry's API
 * (POST /subjects/{subject}/versions, GET /schemas/ids/{id}); checks requests and wire bytes.
 */
class RestSchemaRegistryTest {
    HttpServer server;
    final List<String> schemas = new ArrayList<>();
    final List<String> requests = new ArrayList<>();
    final AtomicInteger registerCalls = new AtomicInteger();

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("localhost", 0), 0);
        server.createContext("/subjects/", ex -> {
            registerCalls.incrementAndGet();
            requests.add(ex.getRequestMethod() + " " + ex.getRequestURI() + " " + ex.getRequestHeaders().getFirst("Content-Type"));
            String schema = new ObjectMapper().readTree(ex.getRequestBody()).get("schema").asText();
            int id = schemas.indexOf(schema);
            if (id < 0) {
                schemas.add(schema);
                id = schemas.size() - 1;
            }
            reply(ex, 200, "{\"id\":" + (id + 1) + "}");
        });
        server.createContext("/schemas/ids/", ex -> {
            int id = Integer.parseInt(ex.getRequestURI().getPath().substring("/schemas/ids/".length()));
            if (id < 1 || id > schemas.size()) {
                reply(ex, 404, "{\"error_code\":40403,\"message\":\"Schema not found\"}");
                return;
            }
            reply(ex, 200, new ObjectMapper().createObjectNode().put("schema", schemas.get(id - 1)).toString());
        });
        server.start();
    }

    static void reply(HttpExchange ex, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(status, b.length);
        ex.getResponseBody().write(b);
        ex.close();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    String url() {
        return "http://localhost:" + server.getAddress().getPort();
    }

    @Test
    void registersOnceWritesWireFormatAndReadsBack() {
        AvroWireFormat writer = new AvroWireFormat(SchemaRegistry.forUrl(url()));
        Document d = Document.newBuilder().setId("x").setText("hello").build();
        byte[] a = writer.write("docs-value", d);
        byte[] b = writer.write("docs-value", d);
        assertThat(registerCalls.get()).as("cached after the first registration").isEqualTo(1);
        assertThat(requests.get(0)).isEqualTo("POST /subjects/docs-value/versions application/vnd.schemaregistry.v1+json");
        assertThat(a).isEqualTo(b);
        assertThat(a[0]).isZero();
        assertThat(java.nio.ByteBuffer.wrap(a, 1, 4).getInt()).isEqualTo(1);
        // a fresh client (another process) resolves the writer schema by id
        GenericRecord r = new AvroWireFormat(SchemaRegistry.forUrl(url() + "/")).read(a, Document.getClassSchema());
        assertThat(r.get("text").toString()).isEqualTo("hello");
    }

    @Test
    void unknownIdAndUnreachableRegistryAreClearErrors() {
        AvroWireFormat reader = new AvroWireFormat(SchemaRegistry.forUrl(url()));
        assertThatThrownBy(() -> reader.read(new byte[] {0, 0, 0, 0, 9, 2}, Document.getClassSchema()))
                .isInstanceOf(SerdeException.class).hasMessageContaining("schema id 9 is not in the registry");
        server.stop(0);
        assertThatThrownBy(() -> reader.read(new byte[] {0, 0, 0, 0, 10, 2}, Document.getClassSchema()))
                .isInstanceOf(SerdeException.class).hasMessageContaining("unreachable");
        assertThatThrownBy(() -> SchemaRegistry.forUrl("ftp://x")).hasMessageContaining("kembed.schema.registry.url");
    }
}
