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
    final List<String> authorizations = new ArrayList<>();

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("localhost", 0), 0);
        server.createContext("/subjects/", ex -> {
            registerCalls.incrementAndGet();
            requests.add(ex.getRequestMethod() + " " + ex.getRequestURI() + " " + ex.getRequestHeaders().getFirst("Content-Type"));
            authorizations.add(String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
            if (ex.getRequestURI().getPath().contains("invalid")) {
                ex.getRequestBody().readAllBytes();
                reply(ex, 422, "{\"error_code\":42201,\"message\":\"Invalid schema: field 'x' has no type\"}");
                return;
            }
            if (ex.getRequestURI().getPath().contains("incompatible")) {
                ex.getRequestBody().readAllBytes();
                reply(ex, 409, "{\"error_code\":409,\"message\":\"Schema being registered is incompatible with an earlier schema for subject "
                        + "\\\"incompatible-value\\\", details: [READER_FIELD_MISSING_DEFAULT_VALUE: text]\"}");
                return;
            }
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

    static RegistrySettings settings(List<String> urls, String basic, String bearer, SubjectNameStrategy strategy) {
        return new RegistrySettings(urls, basic, bearer, null, null, "PKCS12", java.time.Duration.ofSeconds(2), java.time.Duration.ofSeconds(2),
                strategy);
    }

    static String deadUrl() throws IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return "http://localhost:" + s.getLocalPort(); // closed again: connection refused
        }
    }

    @Test
    void failsOverToTheNextUrlAndStaysThere() throws Exception {
        SchemaRegistry r = SchemaRegistry.forSettings(settings(List.of(deadUrl(), url()), null, null, SubjectNameStrategy.TOPIC));
        int id = r.register("docs-value", Document.getClassSchema());
        assertThat(id).isEqualTo(1);
        assertThat(r.byId(1)).isEqualTo(Document.getClassSchema());
        assertThat(r.unreachable()).isNull();
        SchemaRegistry none = SchemaRegistry.forSettings(settings(List.of(deadUrl(), deadUrl()), null, null, SubjectNameStrategy.TOPIC));
        assertThatThrownBy(() -> none.register("docs-value", Document.getClassSchema())).isInstanceOf(SerdeException.class)
                .hasMessageStartingWith("no schema registry answered; http://localhost:").hasMessageContaining("unreachable: ConnectException");
        assertThat(none.unreachable()).startsWith("no schema registry answered");
    }

    @Test
    void aSlowRegistryTimesOutAndTheNextOneAnswers() throws Exception {
        // the first registry never answers while the test runs: only a request timeout and failover can succeed
        java.util.concurrent.CountDownLatch hang = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
        HttpServer slow = HttpServer.create(new InetSocketAddress("localhost", 0), 0);
        slow.createContext("/", ex -> {
            asked.incrementAndGet();
            try {
                hang.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            reply(ex, 200, "{}");
        });
        slow.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        slow.start();
        try {
            RegistrySettings s = new RegistrySettings(List.of("http://localhost:" + slow.getAddress().getPort(), url()), null, null, null, null,
                    "PKCS12", java.time.Duration.ofSeconds(2), java.time.Duration.ofMillis(300), SubjectNameStrategy.TOPIC);
            assertThat(SchemaRegistry.forSettings(s).register("docs-value", Document.getClassSchema())).isEqualTo(1);
            assertThat(asked.get()).as("the hanging registry was tried once, then the next one answered").isEqualTo(1);
        } finally {
            hang.countDown();
            slow.stop(0);
        }
    }

    @Test
    void basicAuthAndBearerTokenAreSent() {
        SchemaRegistry.forSettings(settings(List.of(url()), "kembed:s3cret", null, SubjectNameStrategy.TOPIC)).register("a-value", Document.getClassSchema());
        SchemaRegistry.forSettings(settings(List.of(url()), null, "tok-123", SubjectNameStrategy.TOPIC)).register("b-value", Document.getClassSchema());
        assertThat(authorizations).containsExactly("Basic " + java.util.Base64.getEncoder().encodeToString("kembed:s3cret".getBytes(StandardCharsets.UTF_8)),
                "Bearer tok-123");
        assertThat(settings(List.of(url()), "kembed:s3cret", null, SubjectNameStrategy.TOPIC).toString()).doesNotContain("s3cret").contains("auth=basic");
        assertThatThrownBy(() -> settings(List.of(url()), "a:b", "t", SubjectNameStrategy.TOPIC)).hasMessageContaining("set one");
    }

    @Test
    void anIncompatibleSchemaFailsWithTheRegistrysReason() {
        SchemaRegistry r = SchemaRegistry.forSettings(settings(List.of(url()), null, null, SubjectNameStrategy.TOPIC));
        assertThatThrownBy(() -> r.register("incompatible-value", Document.getClassSchema())).isInstanceOf(SerdeException.class)
                .satisfies(e -> assertThat(((SerdeException) e).reason()).isEqualTo("registry-incompatible"))
                .hasMessageContaining("refused the schema for subject incompatible-value as incompatible (409)")
                .hasMessageContaining("READER_FIELD_MISSING_DEFAULT_VALUE: text");
    }

    @Test
    void anInvalidSchemaFailsWithTheRegistrysReason() {
        SchemaRegistry r = SchemaRegistry.forSettings(settings(List.of(url()), null, null, SubjectNameStrategy.TOPIC));
        assertThatThrownBy(() -> r.register("invalid-value", Document.getClassSchema())).isInstanceOf(SerdeException.class)
                .satisfies(e -> assertThat(((SerdeException) e).retryable()).isFalse())
                .satisfies(e -> assertThat(((SerdeException) e).reason()).isEqualTo("registry-invalid"))
                .hasMessageContaining("refused the schema for subject invalid-value as invalid (422): Invalid schema: field 'x' has no type");
    }

    /** A registry restarted without its storage hands out other ids: registering again asks it and replaces the cached id. */
    @Test
    void registeringAgainReplacesTheCachedIdOfARegistryThatLostItsStorage() {
        SchemaRegistry r = SchemaRegistry.forUrl(url());
        AvroWireFormat wire = new AvroWireFormat(r);
        Document d = Document.newBuilder().setId("x").setText("hello").build();
        r.register("other-value", dev.kembed.avro.DocumentEmbedding.getClassSchema());
        assertThat(r.register("docs-value", Document.getClassSchema())).isEqualTo(2);
        assertThat(r.registerAgain("docs-value", Document.getClassSchema())).as("the registry still holds it: the same id").isEqualTo(2);
        schemas.clear(); // restarted in memory
        assertThat(r.register("docs-value", Document.getClassSchema())).as("cached: not asked").isEqualTo(2);
        int callsBefore = registerCalls.get();
        assertThat(r.registerAgain("docs-value", Document.getClassSchema())).isEqualTo(1);
        assertThat(registerCalls.get()).isEqualTo(callsBefore + 1);
        assertThat(java.nio.ByteBuffer.wrap(wire.write("docs-value", d), 1, 4).getInt()).as("writes carry the new id").isEqualTo(1);
        assertThat(registerCalls.get()).as("and it is cached again").isEqualTo(callsBefore + 1);
    }

    /** The sink's serializer retries a registry that does not answer in place, within its budget, then gives up retryable. */
    @Test
    void theSerializerRetriesAnUnreachableRegistryInPlaceWithinItsBudget() throws Exception {
        long[] now = {0};
        List<Long> pauses = new ArrayList<>();
        boolean[] comesBack = {true};
        MockSchemaRegistry registry = MockSchemaRegistry.scope("serializer-retry-" + System.identityHashCode(this));
        registry.outage("registry down");
        RegistryRetry retry = new RegistryRetry(100, 5_000, () -> now[0], ms -> {
            pauses.add(ms);
            now[0] += ms;
            if (comesBack[0] && pauses.size() == 3) {
                registry.outage(null); // answers again during the third pause
            }
        });
        AvroRecordSerializer serializer = new AvroRecordSerializer(new AvroWireFormat(registry), SubjectNameStrategy.TOPIC, retry);
        Document d = Document.newBuilder().setId("x").setText("hello").build();
        byte[] written = serializer.serialize("docs", d);
        assertThat(written[0]).isZero();
        assertThat(java.nio.ByteBuffer.wrap(written, 1, 4).getInt()).isEqualTo(1);
        assertThat(pauses).containsExactly(100L, 200L, 400L);

        pauses.clear();
        comesBack[0] = false;
        registry.outage("registry down for good");
        AvroRecordSerializer other = new AvroRecordSerializer(new AvroWireFormat(registry), SubjectNameStrategy.TOPIC, retry);
        assertThatThrownBy(() -> other.serialize("other", d)).isInstanceOf(SerdeException.class)
                .satisfies(e -> assertThat(((SerdeException) e).retryable()).as("the thread fails retryable: StreamThreadFailures waits").isTrue())
                .hasMessage("registry down for good");
        assertThat(pauses).as("doubling, the last one cut to the 5 s budget").containsExactly(100L, 200L, 400L, 800L, 1_600L, 1_900L);
        registry.outage(null);
    }

    @Test
    void theSerializerDoesNotRetryARefusal() {
        List<Long> pauses = new ArrayList<>();
        RegistryRetry retry = new RegistryRetry(100, 5_000, () -> 0, pauses::add);
        AvroRecordSerializer serializer = new AvroRecordSerializer(new AvroWireFormat(SchemaRegistry.forUrl(url())), SubjectNameStrategy.TOPIC, retry);
        assertThatThrownBy(() -> serializer.serialize("incompatible", Document.newBuilder().setId("x").setText("t").build()))
                .isInstanceOf(SerdeException.class).hasMessageContaining("(409)");
        assertThat(pauses).isEmpty();
        assertThat(registerCalls.get()).isEqualTo(1);
    }

    @Test
    void subjectNameStrategies() {
        AvroWireFormat wire = new AvroWireFormat(SchemaRegistry.forUrl(url()));
        Document d = Document.newBuilder().setId("x").setText("hello").build();
        for (SubjectNameStrategy s : SubjectNameStrategy.values()) {
            new AvroRecordSerializer(wire, s).serialize("docs", d);
        }
        assertThat(requests).extracting(q -> q.split(" ")[1]).containsExactly("/subjects/docs-value/versions",
                "/subjects/dev.kembed.avro.Document/versions", "/subjects/docs-dev.kembed.avro.Document/versions");
        assertThat(SubjectNameStrategy.parse("k", "topic-record")).isEqualTo(SubjectNameStrategy.TOPIC_RECORD);
        assertThatThrownBy(() -> SubjectNameStrategy.parse("k", "wire")).hasMessageContaining("allowed: topic, record, topic-record");
    }

    /** An https registry with a self-signed certificate: refused without the trust store, answered with it. */
    @Test
    void httpsWithATrustStore(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
        // a committed self-signed pair (fixtures/tls/README.md): the fast tier starts no keytool process
        java.nio.file.Path keys = java.nio.file.Path.of("src/test/resources/fixtures/tls/server.p12");
        java.nio.file.Path trust = tmp.resolve("trust.p12");
        java.nio.file.Files.copy(java.nio.file.Path.of("src/test/resources/fixtures/tls/trust.p12"), trust);
        java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
        try (var in = java.nio.file.Files.newInputStream(keys)) {
            ks.load(in, "changeit".toCharArray());
        }
        javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance(javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "changeit".toCharArray());
        javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        com.sun.net.httpserver.HttpsServer https = com.sun.net.httpserver.HttpsServer.create(new InetSocketAddress("localhost", 0), 0);
        https.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(ctx));
        https.createContext("/subjects/", ex -> {
            ex.getRequestBody().readAllBytes();
            reply(ex, 200, "{\"id\":5}");
        });
        https.start();
        try {
            String url = "https://localhost:" + https.getAddress().getPort();
            RegistrySettings trusted = new RegistrySettings(List.of(url), null, null, trust, "trustpass", "PKCS12", java.time.Duration.ofSeconds(5),
                    java.time.Duration.ofSeconds(5), SubjectNameStrategy.TOPIC);
            assertThat(SchemaRegistry.forSettings(trusted).register("docs-value", Document.getClassSchema())).isEqualTo(5);
            assertThatThrownBy(() -> SchemaRegistry.forSettings(settings(List.of(url), null, null, SubjectNameStrategy.TOPIC))
                    .register("docs-value", Document.getClassSchema())).hasMessageContaining("unreachable: SSLHandshakeException");
            RegistrySettings wrongPassword = new RegistrySettings(List.of(url), null, null, trust, "nope", "PKCS12", java.time.Duration.ofSeconds(5),
                    java.time.Duration.ofSeconds(5), SubjectNameStrategy.TOPIC);
            assertThatThrownBy(() -> SchemaRegistry.forSettings(wrongPassword)).hasMessageContaining("kembed.schema.registry.ssl.truststore.location=")
                    .hasMessageContaining("cannot be read as PKCS12");
        } finally {
            https.stop(0);
        }
    }
}
