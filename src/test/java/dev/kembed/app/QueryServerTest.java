package dev.kembed.app;

import static org.assertj.core.api.Assertions.assertThat;
import static dev.kembed.testing.Vectors.maxDiff;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kembed.cli.KembedCli;
import dev.kembed.testing.FlakyEngineProvider;
import dev.kembed.testing.TestModels;
import dev.kembed.testing.TestSupport;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kembed serve}'s routes against a real HTTP client: vectors equal {@code kembed embed}'s
 * for the same text and settings (a 12k-token input and lists included, float and base64), the
 * OpenAI SDK gets the same, every limit and error answers its status with a JSON body, and the
 * server still answers afterwards.
 */
class QueryServerTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String KEY = "s3cret-query-key";
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    static Path tmp;

    static Path model;
    static QueryServer server;
    static String base;
    static List<String> texts;
    static List<float[]> expected;

    static Properties config(Path model) {
        Properties p = new Properties();
        p.put("kembed.model.dir", model.toString());
        p.put("kembed.model.threads", "1");
        p.put("kembed.window.max.tokens", "64");
        p.put("kembed.window.overlap", "8");
        p.put("kembed.normalize", "true");
        p.put("kembed.http.api.key", KEY);
        p.put("kembed.http.max.inputs", "4");
        p.put("kembed.http.max.body.bytes", "400000");
        p.put("kembed.input.max.chars", "150000");
        p.put("kembed.http.max.input.tokens", "50000"); // the 39k-token input is windowed like a document (the default refuses it: one window)
        return p;
    }

    @BeforeAll
    static void start() throws Exception {
        model = TestModels.tiny(tmp.resolve("tiny"));
        server = QueryServer.start(KembedConfig.from(config(model), Map.of()), tmp.resolve("data"), 0);
        base = "http://localhost:" + server.port();
        texts = List.of("what is the population of Zürich?", "exactly-once 😀 stream", TestModels.longText(9000));
        // the reference: kembed embed, same model and settings, one JSON line per text
        Path in = tmp.resolve("in.jsonl");
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            lines.add(JSON.writeValueAsString(Map.of("id", "t" + i, "text", texts.get(i))));
        }
        Files.write(in, lines);
        Path out = tmp.resolve("out.jsonl");
        assertThat(KembedCli.execute("embed", "--model", model.toString(), "--threads", "1", "--max-tokens", "64", "--overlap", "8",
                "--normalize", "--input", in.toString(), "--output", out.toString())).isZero();
        expected = new ArrayList<>();
        for (String line : Files.readAllLines(out)) {
            JsonNode n = JSON.readTree(line);
            expected.add(floats(n.get("embedding")));
            if (n.get("id").asText().equals("t2")) {
                assertThat(n.get("tokens").asInt()).as("the long input is a 12k-token input").isGreaterThanOrEqualTo(12_000);
            }
        }
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    static float[] floats(JsonNode arr) {
        float[] v = new float[arr.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) arr.get(i).asDouble();
        }
        return v;
    }

    static HttpResponse<String> post(String path, String body, String key) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> post(String path, Object body) throws Exception {
        return post(path, JSON.writeValueAsString(body), KEY);
    }

    static HttpResponse<String> get(String path, String key) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).GET();
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void teiEmbedEqualsKembedEmbedForOneTextAListAndA12kTokenInput() throws Exception {
        HttpResponse<String> one = post("/embed", Map.of("inputs", texts.get(0)));
        assertThat(one.statusCode()).as(one.body()).isEqualTo(200);
        assertThat(one.headers().firstValue("content-type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        JsonNode rows = JSON.readTree(one.body());
        assertThat(rows).hasSize(1);
        assertThat(maxDiff(floats(rows.get(0)), expected.get(0))).isLessThanOrEqualTo(1e-6);

        HttpResponse<String> list = post("/embed", Map.of("inputs", texts, "normalize", true));
        assertThat(list.statusCode()).as(list.body()).isEqualTo(200);
        JsonNode all = JSON.readTree(list.body());
        assertThat(all).hasSize(3);
        for (int i = 0; i < 3; i++) {
            assertThat(maxDiff(floats(all.get(i)), expected.get(i))).as("input %d", i).isLessThanOrEqualTo(1e-6);
        }

        // normalize=false: the same direction, not unit length
        JsonNode raw = JSON.readTree(post("/embed", Map.of("inputs", texts.get(1), "normalize", false)).body()).get(0);
        float[] r = floats(raw);
        double norm = 0;
        for (float f : r) {
            norm += f * f;
        }
        norm = Math.sqrt(norm);
        assertThat(norm).isNotCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-3));
        for (int i = 0; i < r.length; i++) {
            assertThat((double) r[i] / norm).isCloseTo(expected.get(1)[i], org.assertj.core.data.Offset.offset(1e-6));
        }

        // truncate=true keeps the first kembed.http.max.input.tokens tokens: the 39k-token input is within them, so it is whole
        JsonNode whole = JSON.readTree(post("/embed", Map.of("inputs", texts.get(2), "truncate", true)).body()).get(0);
        assertThat(maxDiff(floats(whole), expected.get(2))).as("truncate keeps an input within the limit whole").isLessThanOrEqualTo(1e-6);
    }

    @Test
    void aLongerInputThanTheTokenLimitIsRefusedUnlessTruncatedToIt() throws Exception {
        String longer = TestModels.longText(16000);
        HttpResponse<String> refused = post("/embed", Map.of("inputs", longer));
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(413);
        assertThat(JSON.readTree(refused.body()).get("error").asText()).contains("Input validation error", "at most 50000",
                "kembed.http.max.input.tokens", "truncate");
        HttpResponse<String> cut = post("/embed", Map.of("inputs", longer, "truncate", true));
        assertThat(cut.statusCode()).as(cut.body()).isEqualTo(200);
        var plan = server.plan();
        var planned = plan.cut(longer);
        int overhead = planned.windows().get(0).length() - planned.windows().get(0).tokenEnd();
        float[] want = new dev.kembed.embed.DirectEmbedder(plan, server.model().engine(), 4096)
                .embed(plan.truncated(planned, 50000 - overhead), true).vector();
        assertThat(maxDiff(floats(JSON.readTree(cut.body()).get(0)), want)).as("the first 50000 tokens, windowed").isLessThanOrEqualTo(1e-6);
    }

    @Test
    void openAiEmbeddingsEqualKembedEmbedAsFloatsBase64AndTokenIds() throws Exception {
        String name = server.model().name();
        HttpResponse<String> res = post("/v1/embeddings", Map.of("model", name, "input", texts));
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        JsonNode body = JSON.readTree(res.body());
        assertThat(body.get("object").asText()).isEqualTo("list");
        assertThat(body.get("model").asText()).isEqualTo(name);
        assertThat(body.get("data")).hasSize(3);
        long tokens = 0;
        for (int i = 0; i < 3; i++) {
            JsonNode d = body.get("data").get(i);
            assertThat(d.get("object").asText()).isEqualTo("embedding");
            assertThat(d.get("index").asInt()).isEqualTo(i);
            assertThat(maxDiff(floats(d.get("embedding")), expected.get(i))).isLessThanOrEqualTo(1e-6);
        }
        assertThat(body.get("usage").get("prompt_tokens").asLong()).isEqualTo(body.get("usage").get("total_tokens").asLong())
                .isGreaterThan(12_000);

        JsonNode b64 = JSON.readTree(post("/v1/embeddings", Map.of("model", name, "input", texts.get(2), "encoding_format", "base64")).body());
        byte[] bytes = Base64.getDecoder().decode(b64.get("data").get(0).get("embedding").asText());
        ByteBuffer le = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        float[] decoded = new float[bytes.length / 4];
        for (int i = 0; i < decoded.length; i++) {
            decoded[i] = le.getFloat();
        }
        assertThat(maxDiff(decoded, expected.get(2))).as("base64 decodes to the same floats").isEqualTo(0.0);

        int[] ids;
        try (KembedModel.Tokenizing tok = KembedModel.tokenizing(model)) {
            ids = tok.tokenizer().tokenize(texts.get(0)).ids();
        }
        JsonNode byIds = JSON.readTree(post("/v1/embeddings", Map.of("model", name, "input", ids)).body());
        assertThat(maxDiff(floats(byIds.get("data").get(0).get("embedding")), expected.get(0))).as("token ids of the same text")
                .isLessThanOrEqualTo(1e-6);
        JsonNode nested = JSON.readTree(post("/v1/embeddings", Map.of("model", name, "input", List.of(ids, ids))).body());
        assertThat(nested.get("data")).hasSize(2);
    }

    @Test
    void theOfficialOpenAiJavaClientGetsTheSameVectors() {
        com.openai.client.OpenAIClient client = com.openai.client.okhttp.OpenAIOkHttpClient.builder().apiKey(KEY).baseUrl(base + "/v1")
                .maxRetries(0).build();
        try {
            var response = client.embeddings().create(com.openai.models.embeddings.EmbeddingCreateParams.builder()
                    .model(server.model().name()).inputOfArrayOfStrings(List.of(texts.get(0), texts.get(2))).build());
            assertThat(response.data()).hasSize(2);
            for (int i = 0; i < 2; i++) {
                List<Float> got = response.data().get(i).embedding();
                float[] v = new float[got.size()];
                for (int k = 0; k < v.length; k++) {
                    v[k] = got.get(k);
                }
                assertThat(maxDiff(v, expected.get(i == 0 ? 0 : 2))).isLessThanOrEqualTo(1e-6);
            }
            assertThat(response.usage().totalTokens()).isGreaterThan(12_000);
        } finally {
            client.close();
        }
    }

    @Test
    void infoNamesWhatAnIndexMustMatch() throws Exception {
        HttpResponse<String> res = get("/info", KEY);
        assertThat(res.statusCode()).isEqualTo(200);
        JsonNode info = JSON.readTree(res.body());
        assertThat(info.get("model_id").asText()).isEqualTo(server.model().name());
        assertThat(info.get("model_fingerprint").asText()).isEqualTo(server.workers().engineInfo().modelFingerprint()).isNotEmpty();
        assertThat(info.get("engine").asText()).isEqualTo("onnxruntime-cpu");
        assertThat(info.get("precision").asText()).isEqualTo("fp32");
        assertThat(info.get("dimension").asInt()).isEqualTo(expected.get(0).length);
        assertThat(info.get("max_input_length").asInt()).as("kembed.http.max.input.tokens").isEqualTo(50000);
        assertThat(info.get("window_tokens").asInt()).isEqualTo(64);
        assertThat(info.get("window_overlap").asInt()).isEqualTo(8);
        assertThat(info.get("pooling").asText()).isEqualTo("mean");
        assertThat(info.get("normalize").asBoolean()).isTrue();
        assertThat(info.get("max_client_batch_size").asInt()).isEqualTo(4);
        assertThat(get("/info", null).statusCode()).as("the key guards /info too").isEqualTo(401);
    }

    /** One refused request: its status and its JSON error body. */
    static JsonNode refused(HttpResponse<String> res, int status) throws Exception {
        assertThat(res.statusCode()).as(res.body()).isEqualTo(status);
        assertThat(res.headers().firstValue("content-type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        return JSON.readTree(res.body());
    }

    static String teiError(HttpResponse<String> res, int status) throws Exception {
        JsonNode e = refused(res, status);
        assertThat(e.get("error_type").asText()).isNotEmpty();
        return e.get("error").asText();
    }

    static JsonNode openAiError(HttpResponse<String> res, int status) throws Exception {
        JsonNode e = refused(res, status).get("error");
        assertThat(e.get("type").asText()).isNotEmpty();
        return e;
    }

    @Test
    void everyLimitAndErrorAnswersItsStatusWithAJsonBodyAndTheServerStillAnswers() throws Exception {
        String name = server.model().name();
        java.io.StringWriter log = new java.io.StringWriter();
        var ctx = (org.apache.logging.log4j.core.LoggerContext) org.apache.logging.log4j.LogManager.getContext(false);
        var appender = org.apache.logging.log4j.core.appender.WriterAppender.newBuilder().setName("query-log").setTarget(log)
                .setLayout(org.apache.logging.log4j.core.layout.PatternLayout.newBuilder().withPattern("%level %c - %msg%n%throwable").build())
                .build();
        appender.start();
        ctx.getConfiguration().getRootLogger().addAppender(appender, org.apache.logging.log4j.Level.ALL, null);
        ctx.updateLoggers();
        try {
            // authentication
            HttpResponse<String> noKey = post("/embed", "{\"inputs\":\"hello\"}", null);
            assertThat(teiError(noKey, 401)).contains("Authorization: Bearer");
            assertThat(noKey.headers().firstValue("www-authenticate")).hasValue("Bearer");
            assertThat(teiError(post("/embed", "{\"inputs\":\"hello\"}", "wrong-key"), 401)).contains("not valid");
            for (int i = 0; i < 20; i++) { // a refusal before the body is read still drops it, and the next request is answered
                assertThat(post("/embed", "{\"inputs\":\"hello\"}", "wrong-key").statusCode()).isEqualTo(401);
                assertThat(post("/embed", Map.of("inputs", "hello")).statusCode()).isEqualTo(200);
            }
            assertThat(openAiError(post("/v1/embeddings", "{\"model\":\"x\",\"input\":\"hi\"}", null), 401).get("code").asText())
                    .isEqualTo("invalid_api_key");
            // payload, inputs per request, characters per input
            String big = "{\"inputs\":\"" + "a".repeat(400_001) + "\"}";
            for (int i = 0; i < 5; i++) { // the client is still sending when the refusal is decided: it must read the 413, not a reset
                assertThat(teiError(post("/embed", big, KEY), 413)).contains("400000 bytes").contains("kembed.http.max.body.bytes");
            }
            assertThat(teiError(post("/embed", Map.of("inputs", List.of("a", "b", "c", "d", "e"))), 413)).contains("5 inputs")
                    .contains("at most 4").contains("kembed.http.max.inputs");
            assertThat(openAiError(post("/v1/embeddings", Map.of("model", name, "input", List.of("a", "b", "c", "d", "e"))), 413)
                    .get("code").asText()).isEqualTo("too_many_inputs");
            assertThat(teiError(post("/embed", Map.of("inputs", "word ".repeat(30_001))), 413)).contains("150005 characters")
                    .contains("kembed.input.max.chars");
            // malformed and invalid bodies
            assertThat(teiError(post("/embed", "{\"inputs\": [\"a\"", KEY), 400)).contains("not valid JSON");
            assertThat(openAiError(post("/v1/embeddings", "not json", KEY), 400).get("code").asText()).isEqualTo("invalid_json");
            assertThat(teiError(post("/embed", "", KEY), 400)).contains("empty");
            assertThat(teiError(post("/embed", Map.of("text", "hello")), 422)).contains("'inputs' is required");
            assertThat(teiError(post("/embed", Map.of("inputs", List.of("a", 7))), 422)).contains("inputs[1]");
            assertThat(teiError(post("/embed", Map.of("inputs", List.of())), 422)).contains("empty");
            assertThat(teiError(post("/embed", Map.of("inputs", "   ")), 422)).contains("whitespace");
            assertThat(teiError(post("/embed", Map.of("inputs", "hi", "normalize", "yes")), 422)).contains("'normalize'");
            assertThat(teiError(post("/embed", Map.of("inputs", "hi", "prompt_name", "query")), 422)).contains("declares none");
            assertThat(openAiError(post("/v1/embeddings", Map.of("input", "hi")), 400).get("param").asText()).isEqualTo("model");
            assertThat(openAiError(post("/v1/embeddings", Map.of("model", "text-embedding-3-small", "input", "hi")), 404).get("code")
                    .asText()).isEqualTo("model_not_found");
            assertThat(openAiError(post("/v1/embeddings", Map.of("model", name, "input", "hi", "dimensions", 100_000)), 400).get("message")
                    .asText()).contains("from 1 to " + expected.get(0).length);
            assertThat(openAiError(post("/v1/embeddings", Map.of("model", name, "input", "hi", "encoding_format", "int8")), 400)
                    .get("param").asText()).isEqualTo("encoding_format");
            assertThat(openAiError(post("/v1/embeddings", Map.of("model", name, "input", List.of(List.of(5, 999_999)))), 400).get("message")
                    .asText()).contains("999999");
            // routes and methods
            assertThat(refused(get("/embed", KEY), 405).get("error").asText()).contains("POST");
            assertThat(refused(get("/v2/nothing", KEY), 404).get("error").asText()).contains("POST /embed");
        } finally {
            ctx.getConfiguration().getRootLogger().removeAppender("query-log");
            ctx.updateLoggers();
        }
        // nothing of a request body or the key reaches the log
        assertThat(log.toString()).doesNotContain(KEY).doesNotContain("wrong-key").doesNotContain("aaaaaaaa").doesNotContain("word word");
        // and the server still answers
        HttpResponse<String> ok = post("/embed", Map.of("inputs", texts.get(0)));
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(maxDiff(floats(JSON.readTree(ok.body()).get(0)), expected.get(0))).isLessThanOrEqualTo(1e-6);
        String metrics = get("/metrics", null).body();
        assertThat(metrics).contains("kembed_http_requests_total{route=\"embed\",status=\"200\"}")
                .contains("kembed_http_requests_total{route=\"embed\",status=\"413\"}")
                .contains("kembed_http_request_seconds_bucket").contains("kembed_http_queue_wait_seconds_count");
        assertThat(get("/health/ready", null).statusCode()).isEqualTo(200);
    }

    static double refusedBodyBytes() throws Exception {
        return get("/metrics", null).body().lines().filter(l -> l.startsWith("kembed_http_refused_body_bytes_total "))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.indexOf(' ') + 1))).findFirst().orElseThrow();
    }

    /**
     * Issue 27: a body over the limit is answered 413 before it is read (the declared length is
     * enough), with a JSON error and Connection: close; then up to 16x the limit is dropped so
     * that clients still sending read the 413, not a broken pipe: the JDK's client and the
     * official OpenAI Java SDK (OkHttp) at 16x the limit, a chunked body, and a wrong key.
     */
    @Test
    void aBodyOverTheLimitIsAnswered413BeforeItIsReadAndClientsStillSendingReadIt() throws Exception {
        int limit = 400_000;
        // headers only, declaring 10 MB: the 413 comes without one byte of body sent
        try (java.net.Socket socket = new java.net.Socket("localhost", server.port())) {
            socket.setSoTimeout(20_000);
            socket.getOutputStream().write(("POST /embed HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + KEY
                    + "\r\nContent-Type: application/json\r\nContent-Length: 10000000\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String head = new String(socket.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
            assertThat(head).isEqualTo("HTTP/1.1 413");
        }
        String sixteenTimes = "{\"inputs\":\"" + "a".repeat(16 * limit - 13) + "\"}";
        assertThat(sixteenTimes.length()).isEqualTo(16 * limit);
        double before = refusedBodyBytes();
        HttpResponse<String> jdk = post("/embed", sixteenTimes, KEY);
        assertThat(teiError(jdk, 413)).contains("has 6400000 bytes").contains("at most 400000 bytes");
        assertThat(jdk.headers().firstValue("connection")).hasValue("close");
        double dropped = refusedBodyBytes() - before;
        assertThat(dropped).as("what the server read of the refused body, only to drop it").isLessThanOrEqualTo(16.0 * limit);
        HttpResponse<String> wrongKey = post("/v1/embeddings", sixteenTimes, "wrong-key");
        assertThat(openAiError(wrongKey, 401).get("code").asText()).isEqualTo("invalid_api_key");
        assertThat(wrongKey.headers().firstValue("connection")).hasValue("close");
        // no Content-Length: read until one byte past the limit, then the same
        HttpResponse<String> chunked = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/embed")).header("Authorization", "Bearer " + KEY)
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(
                        sixteenTimes.getBytes(StandardCharsets.US_ASCII)))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(teiError(chunked, 413)).contains("larger than the limit").contains("400000 bytes");
        com.openai.client.OpenAIClient client = com.openai.client.okhttp.OpenAIOkHttpClient.builder().apiKey(KEY).baseUrl(base + "/v1")
                .maxRetries(0).build();
        try {
            var params = com.openai.models.embeddings.EmbeddingCreateParams.builder().model(server.model().name())
                    .input("a".repeat(16 * limit - 100)).build();
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> client.embeddings().create(params))
                    .isInstanceOfSatisfying(com.openai.errors.OpenAIServiceException.class, e -> {
                        assertThat(e.statusCode()).as("the SDK reads the 413, not a reset it would retry").isEqualTo(413);
                        assertThat(e.getMessage()).contains("kembed.http.max.body.bytes");
                    });
        } finally {
            client.close();
        }
        HttpResponse<String> ok = post("/embed", Map.of("inputs", texts.get(0)));
        assertThat(ok.statusCode()).as("and the server still answers").isEqualTo(200);
    }

    /** Issue 27: no response names the server's software or version, whatever its status. */
    @Test
    void noResponseHeaderNamesTheServerOrItsVersion() throws Exception {
        List<HttpResponse<String>> answers = List.of(post("/embed", Map.of("inputs", "hi")), post("/embed", "{}", null), get("/nothing", KEY),
                get("/health/live", null), get("/metrics", null), post("/embed", "{\"inputs\":\"" + "a".repeat(400_001) + "\"}", KEY));
        for (HttpResponse<String> r : answers) {
            assertThat(r.headers().firstValue("server")).as("status %d", r.statusCode()).isEmpty();
            assertThat(r.headers().firstValue("x-powered-by")).isEmpty();
            assertThat(r.headers().map().toString().toLowerCase()).doesNotContain("jetty").doesNotContain("12.1");
        }
    }

    /** Issue 27: kembed.http.metrics.auth puts /metrics behind the key (health stays open for probes); kembed.http.host binds one address. */
    @Test
    void metricsBehindTheKeyWhenSaidAndTheApiBoundToTheAddressGiven() throws Exception {
        Properties p = config(model);
        p.put("kembed.http.metrics.auth", "true");
        p.put("kembed.http.host", "127.0.0.1");
        try (QueryServer guarded = QueryServer.start(KembedConfig.from(p, Map.of()), tmp.resolve("guarded"), 0)) {
            String url = "http://127.0.0.1:" + guarded.port();
            HttpResponse<String> open = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(refused(open, 401).get("error").asText()).contains("Authorization: Bearer");
            assertThat(open.headers().firstValue("www-authenticate")).hasValue("Bearer");
            HttpResponse<String> wrong = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/metrics")).header("Authorization", "Bearer nope")
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(wrong.statusCode()).isEqualTo(401);
            HttpResponse<String> keyed = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/metrics")).header("Authorization", "Bearer " + KEY)
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(keyed.statusCode()).isEqualTo(200);
            assertThat(keyed.body()).contains("kembed_http_refused_body_bytes_total");
            for (String probe : List.of("/health/live", "/health/ready", "/health")) {
                assertThat(HTTP.send(HttpRequest.newBuilder(URI.create(url + probe)).build(), HttpResponse.BodyHandlers.ofString()).statusCode())
                        .as(probe).isEqualTo(200);
            }
            // bound to 127.0.0.1 only: another address of this machine is refused
            java.net.InetAddress other = null;
            for (var nic : java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces())) {
                for (var a : java.util.Collections.list(nic.getInetAddresses())) {
                    if (a instanceof java.net.Inet4Address && !a.isLoopbackAddress() && nic.isUp()) {
                        other = a;
                    }
                }
            }
            if (other != null) {
                java.net.InetAddress elsewhere = other;
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> new java.net.Socket(elsewhere, guarded.port()).close())
                        .as("connecting to %s", elsewhere).isInstanceOf(java.net.ConnectException.class);
            }
        }
    }

    /** A sentence-transformers directory's prompts by prompt_name: the document prompt gives sentence-transformers' own encode() output. */
    @Test
    void promptNamesComeFromTheModelDirectoryAndMatchSentenceTransformers() throws Exception {
        Path st = Path.of("src/test/resources/fixtures/st-modernbert-tiny");
        JsonNode ref = JSON.readTree(st.resolve("reference.json").toFile());
        Properties p = new Properties();
        p.put("kembed.model.dir", st.toString());
        p.put("kembed.model.threads", "1");
        try (QueryServer s = QueryServer.start(KembedConfig.from(p, Map.of()), tmp.resolve("st"), 0)) {
            String url = "http://localhost:" + s.port();
            JsonNode info = JSON.readTree(HTTP.send(HttpRequest.newBuilder(URI.create(url + "/info")).build(), HttpResponse.BodyHandlers.ofString()).body());
            assertThat(info.get("prompts").get("document").asText()).isEqualTo("search_document: ");
            assertThat(info.get("prompts").get("query").asText()).isEqualTo("search_query: ");
            String body = JSON.writeValueAsString(Map.of("inputs", List.of(ref.get("texts").get(0).asText(), ref.get("texts").get(1).asText()),
                    "prompt_name", "document"));
            JsonNode got = JSON.readTree(HTTP.send(HttpRequest.newBuilder(URI.create(url + "/embed")).POST(HttpRequest.BodyPublishers.ofString(body))
                    .build(), HttpResponse.BodyHandlers.ofString()).body());
            for (int i = 0; i < 2; i++) {
                assertThat(maxDiff(floats(got.get(i)), floats(ref.get("embeddings").get(i)))).as("vs sentence-transformers' encode(), text %d", i)
                        .isLessThanOrEqualTo(1e-5);
            }
            String query = JSON.writeValueAsString(Map.of("inputs", ref.get("texts").get(0).asText(), "prompt_name", "query"));
            JsonNode q = JSON.readTree(HTTP.send(HttpRequest.newBuilder(URI.create(url + "/embed")).POST(HttpRequest.BodyPublishers.ofString(query))
                    .build(), HttpResponse.BodyHandlers.ofString()).body());
            assertThat(maxDiff(floats(q.get(0)), floats(got.get(0)))).as("query and document prompts give different vectors").isGreaterThan(1e-3);
            HttpResponse<String> unknown = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/embed")).POST(HttpRequest.BodyPublishers.ofString(
                    "{\"inputs\":\"x\",\"prompt_name\":\"passage\"}")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(teiError(unknown, 422)).contains("passage").contains("document, query");
        }
    }

    @Test
    void aDownEngineAnswers503AndOneRequestTooMany429BothWithRetryAfter() throws Exception {
        Properties p = config(model);
        p.put("kembed.engine", FlakyEngineProvider.NAME);
        p.put("kembed.http.max.concurrent.requests", "1");
        p.put("kembed.http.request.timeout.ms", "1500");
        p.remove("kembed.http.api.key");
        FlakyEngineProvider.reset();
        try (QueryServer flaky = QueryServer.start(KembedConfig.from(p, Map.of()), tmp.resolve("flaky"), 0)) {
            String url = "http://localhost:" + flaky.port();
            FlakyEngineProvider.down = true;
            CompletableFuture<HttpResponse<String>> first = HTTP.sendAsync(HttpRequest.newBuilder(URI.create(url + "/embed"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"inputs\":\"held while the engine is down\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            TestSupport.await("the first query to reach the down engine", Duration.ofSeconds(20), FlakyEngineProvider.failedCalls::get, n -> n > 0);
            HttpResponse<String> second = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/v1/embeddings"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"tiny\",\"input\":\"one too many\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode busy = openAiError(second, 429);
            assertThat(busy.get("message").asText()).contains("kembed.http.max.concurrent.requests");
            assertThat(second.headers().firstValue("retry-after")).hasValue("1");
            HttpResponse<String> down = first.get();
            assertThat(teiError(down, 503)).contains("no result within 1500 ms").contains("down");
            assertThat(down.headers().firstValue("retry-after")).hasValue("1");
            assertThat(HTTP.send(HttpRequest.newBuilder(URI.create(url + "/health/ready")).build(), HttpResponse.BodyHandlers.ofString())
                    .statusCode()).as("readiness says so too").isEqualTo(503);
            FlakyEngineProvider.down = false;
            HttpResponse<String> back = TestSupport.await("the engine back", Duration.ofSeconds(30), () -> HTTP.send(
                    HttpRequest.newBuilder(URI.create(url + "/embed")).POST(HttpRequest.BodyPublishers.ofString("{\"inputs\":\"back\"}")).build(),
                    HttpResponse.BodyHandlers.ofString()), r -> r.statusCode() == 200);
            assertThat(JSON.readTree(back.body()).get(0)).hasSize(expected.get(0).length);
        } finally {
            FlakyEngineProvider.reset();
        }
    }
}
