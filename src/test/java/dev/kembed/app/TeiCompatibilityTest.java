package dev.kembed.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kembed.cli.KembedCli;
import dev.kembed.testing.TestModels;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import static dev.kembed.testing.Vectors.dot;
import static dev.kembed.testing.Vectors.floats;
import static dev.kembed.testing.Vectors.maxDiff;
import org.junit.jupiter.api.io.TempDir;

/**
 * What clients written for text-embeddings-inference and OpenAI send, against a model served
 * without {@code kembed.normalize} (the demo's case): {@code /v1/embeddings} answers unit vectors
 * equal to {@code kembed embed --normalize}, {@code dimensions} shortens and renormalizes, and
 * TEI's aliases answer as TEI does ({@code POST /}, {@code /invocations}, {@code /embeddings},
 * {@code /similarity} and the similarity body on {@code POST /}, {@code GET /} and {@code /ping}).
 */
class TeiCompatibilityTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    static Path tmp;

    static QueryServer server;
    static String base;
    static List<String> texts = List.of("how do I reset my password?", "Passwords are reset from the account page.",
            "The cafeteria opens at eight.");
    /** kembed embed --normalize, and without it. */
    static List<float[]> unit;
    static List<float[]> raw;

    @BeforeAll
    static void start() throws Exception {
        Path model = TestModels.tiny(tmp.resolve("tiny"));
        Properties p = new Properties();
        p.put("kembed.model.dir", model.toString());
        p.put("kembed.model.threads", "1");
        p.put("kembed.normalize", "false");
        server = QueryServer.start(KembedConfig.from(p, Map.of()), tmp.resolve("data"), 0);
        base = "http://localhost:" + server.port();
        unit = reference(model, true);
        raw = reference(model, false);
    }

    static List<float[]> reference(Path model, boolean normalize) throws Exception {
        Path in = tmp.resolve("in.jsonl");
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            lines.add(JSON.writeValueAsString(Map.of("id", "t" + i, "text", texts.get(i))));
        }
        Files.write(in, lines);
        Path out = tmp.resolve("out-" + normalize + ".jsonl");
        assertThat(KembedCli.execute("embed", "--model", model.toString(), "--threads", "1", normalize ? "--normalize" : "--no-normalize",
                "--input", in.toString(), "--output", out.toString())).isZero();
        List<float[]> vectors = new ArrayList<>();
        for (String line : Files.readAllLines(out)) {
            vectors.add(floats(JSON.readTree(line).get("embedding")));
        }
        return vectors;
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void openAiEmbeddingsAreUnitVectorsEqualToKembedEmbedNormalize() throws Exception {
        String name = server.model().name();
        JsonNode r = json(post("/v1/embeddings", Map.of("model", name, "input", texts)), 200);
        for (int i = 0; i < texts.size(); i++) {
            float[] v = floats(r.get("data").get(i).get("embedding"));
            assertThat(norm(v)).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
            assertThat(maxDiff(v, unit.get(i))).isLessThanOrEqualTo(1e-5);
        }
        assertThat(norm(raw.get(0))).as("the model's own vectors are not unit length").isGreaterThan(1.5);
        // /embeddings is the same route
        JsonNode alias = json(post("/embeddings", Map.of("model", name, "input", texts.get(0))), 200);
        assertThat(maxDiff(floats(alias.get("data").get(0).get("embedding")), unit.get(0))).isLessThanOrEqualTo(1e-5);
    }

    @Test
    void dimensionsKeepTheFirstDAndRenormalize() throws Exception {
        String name = server.model().name();
        int d = 8;
        float[] v = floats(json(post("/v1/embeddings", Map.of("model", name, "input", texts.get(1), "dimensions", d)), 200)
                .get("data").get(0).get("embedding"));
        assertThat(v).hasSize(d);
        double n = 0;
        for (int k = 0; k < d; k++) {
            n += (double) unit.get(1)[k] * unit.get(1)[k];
        }
        for (int k = 0; k < d; k++) {
            assertThat((double) v[k]).isCloseTo(unit.get(1)[k] / Math.sqrt(n), org.assertj.core.data.Offset.offset(1e-5));
        }
        int full = unit.get(0).length;
        assertThat(json(post("/v1/embeddings", Map.of("model", name, "input", "x", "dimensions", full + 1)), 400).get("error")
                .get("message").asText()).contains("from 1 to " + full);
        assertThat(json(post("/v1/embeddings", Map.of("model", name, "input", "x", "dimensions", 0)), 400).get("error").get("param")
                .asText()).isEqualTo("dimensions");
    }

    @Test
    void teiAliasesAnswerAsTheRoutesTheyStandFor() throws Exception {
        for (String path : List.of("/", "/invocations", "/embed")) {
            JsonNode r = json(post(path, Map.of("inputs", texts)), 200);
            for (int i = 0; i < texts.size(); i++) {
                assertThat(maxDiff(floats(r.get(i)), unit.get(i))).as(path).isLessThanOrEqualTo(1e-5);
            }
        }
        // Hugging Face's InferenceClient puts its options under "parameters"
        JsonNode notNormalized = json(post("/", Map.of("inputs", texts.get(0), "parameters", Map.of("normalize", false))), 200);
        assertThat(maxDiff(floats(notNormalized.get(0)), raw.get(0))).isLessThanOrEqualTo(1e-5);
        assertThat(json(post("/embed", Map.of("inputs", "x", "truncation_direction", "Middle")), 422).get("error").asText())
                .contains("truncation_direction");
        for (String path : List.of("/", "/ping", "/health")) {
            HttpResponse<String> h = HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(h.statusCode()).as(path).isEqualTo(200);
            assertThat(h.body()).as(path).startsWith("ready");
        }
    }

    @Test
    void similarityIsTheCosineOfTheSameVectorsOnItsRouteAndOnTheDefaultOne() throws Exception {
        Map<String, Object> body = Map.of("inputs", Map.of("source_sentence", texts.get(0), "sentences", texts.subList(1, 3)));
        for (String path : List.of("/similarity", "/")) {
            JsonNode r = json(post(path, body), 200);
            assertThat(r.isArray()).isTrue();
            assertThat(r).hasSize(2);
            for (int i = 0; i < 2; i++) {
                assertThat(r.get(i).asDouble()).as(path).isCloseTo(dot(unit.get(0), unit.get(i + 1)), org.assertj.core.data.Offset.offset(1e-5));
            }
        }
        assertThat(json(post("/similarity", Map.of("inputs", Map.of("source_sentence", "a", "sentences", List.of()))), 422)
                .get("error").asText()).contains("sentences");
        assertThat(json(post("/similarity", Map.of("inputs", "a")), 422).get("error").asText()).contains("source_sentence");
    }

    @Test
    void tokenizeAndDecodeAnswerTheModelsOwnTokens() throws Exception {
        String text = "exactly-once 😀 stream";
        int[] ids = server.model().tokenizer().tokenize(text).ids();
        JsonNode tokens = json(post("/tokenize", Map.of("inputs", text)), 200).get(0);
        assertThat(tokens).hasSize(ids.length + 2);
        assertThat(tokens.get(0).get("special").asBoolean()).isTrue();
        assertThat(tokens.get(tokens.size() - 1).get("special").asBoolean()).isTrue();
        int[] codePoints = text.codePoints().toArray();
        for (int i = 0; i < ids.length; i++) {
            JsonNode t = tokens.get(i + 1);
            assertThat(t.get("id").asInt()).isEqualTo(ids[i]);
            assertThat(t.get("special").asBoolean()).isFalse();
            String span = new String(codePoints, t.get("start").asInt(), t.get("stop").asInt() - t.get("start").asInt());
            assertThat(span).as("token %d's offsets are code points of the input", i).isEqualTo(t.get("text").asText());
        }
        JsonNode bare = json(post("/tokenize", Map.of("inputs", List.of(text, "second"), "add_special_tokens", false)), 200);
        assertThat(bare).hasSize(2);
        assertThat(bare.get(0)).hasSize(ids.length);

        JsonNode decoded = json(post("/decode", Map.of("ids", ids)), 200);
        assertThat(decoded.get(0).asText()).isEqualTo(server.model().tokenizer().decode(ids));
        int[] withSpecials = new int[ids.length + 2];
        withSpecials[0] = tokens.get(0).get("id").asInt();
        System.arraycopy(ids, 0, withSpecials, 1, ids.length);
        withSpecials[ids.length + 1] = tokens.get(tokens.size() - 1).get("id").asInt();
        JsonNode kept = json(post("/decode", Map.of("ids", List.of(withSpecials, ids), "skip_special_tokens", false)), 200);
        assertThat(kept.get(0).asText()).startsWith(tokens.get(0).get("text").asText());
        assertThat(kept).hasSize(2);
        assertThat(json(post("/decode", Map.of("ids", List.of(1, 999_999_999))), 422).get("error").asText()).contains("vocabulary");
    }

    @Test
    void embedAllAnswersTokenStatesWhoseMeanIsTheVector() throws Exception {
        JsonNode all = json(post("/embed_all", Map.of("inputs", texts.get(0))), 200);
        int[] ids = server.model().tokenizer().tokenize(texts.get(0)).ids();
        assertThat(all).hasSize(1);
        JsonNode states = all.get(0);
        assertThat(states).as("every token of the window, specials included").hasSize(ids.length + 2);
        int dim = raw.get(0).length;
        double[] mean = new double[dim];
        for (int t = 1; t <= ids.length; t++) { // the content tokens: what mean pooling averages
            for (int k = 0; k < dim; k++) {
                mean[k] += states.get(t).get(k).asDouble() / ids.length;
            }
        }
        float[] m = new float[dim];
        for (int k = 0; k < dim; k++) {
            m[k] = (float) mean[k];
        }
        assertThat(maxDiff(m, raw.get(0))).isLessThanOrEqualTo(1e-4);

        String longText = "word ".repeat(3_000);
        assertThat(json(post("/embed_all", Map.of("inputs", longText)), 422).get("error").asText()).contains("truncate");
        int window = json(HTTP.send(HttpRequest.newBuilder(URI.create(base + "/info")).GET().build(), HttpResponse.BodyHandlers.ofString()), 200)
                .get("max_input_length").asInt();
        assertThat(json(post("/embed_all", Map.of("inputs", longText, "truncate", true)), 200).get(0)).hasSize(window);
    }

    @Test
    void leftTruncationKeepsTheEndOfTheText() throws Exception {
        JsonNode info = json(HTTP.send(HttpRequest.newBuilder(URI.create(base + "/info")).GET().build(), HttpResponse.BodyHandlers.ofString()), 200);
        int window = info.get("max_input_length").asInt();
        assertThat(info.get("model_dtype").asText()).isEqualTo("float32");
        assertThat(info.get("model_type").get("embedding").get("pooling").asText()).isEqualTo("mean");
        assertThat(info.get("max_batch_tokens").asInt()).isGreaterThanOrEqualTo(window);
        String longText = String.join(" ", dev.kembed.testing.Paragraphs.of(70, 3));
        int[] ids = server.model().tokenizer().tokenize(longText).ids();
        int content = window - 2;
        assertThat(ids.length).isGreaterThan(content + 1000);
        float[] left = floats(json(post("/embed", Map.of("inputs", longText, "truncate", true, "truncation_direction", "Left")), 200).get(0));
        float[] right = floats(json(post("/embed", Map.of("inputs", longText, "truncate", true)), 200).get(0));
        float[] tail = floats(json(post("/v1/embeddings", Map.of("model", server.model().name(), "input",
                java.util.Arrays.copyOfRange(ids, ids.length - content, ids.length))), 200).get("data").get(0).get("embedding"));
        float[] head = floats(json(post("/v1/embeddings", Map.of("model", server.model().name(), "input",
                java.util.Arrays.copyOf(ids, content))), 200).get("data").get(0).get("embedding"));
        assertThat(maxDiff(left, tail)).isLessThanOrEqualTo(1e-5);
        assertThat(maxDiff(right, head)).isLessThanOrEqualTo(1e-5);
        assertThat(maxDiff(left, right)).isGreaterThan(1e-3);
    }

    static HttpResponse<String> post(String path, Object body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode json(HttpResponse<String> r, int status) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        return JSON.readTree(r.body());
    }


    static double norm(float[] v) {
        return Math.sqrt(dot(v, v));
    }


}
