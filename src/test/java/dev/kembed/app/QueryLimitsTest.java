package dev.kembed.app;

import static dev.kembed.testing.Vectors.maxDiff;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kembed.embed.DirectEmbedder;
import dev.kembed.testing.TestModels;
import dev.kembed.text.WindowPlan;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The query routes' token limits at their defaults: an input may have one window's tokens
 * (text-embeddings-inference's {@code max_input_length}); a longer one is 413 on every route unless
 * {@code truncate: true} keeps its first window; the lane's bound is four batch budgets.
 */
class QueryLimitsTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    static Path tmp;

    static QueryServer server;
    static String base;

    @BeforeAll
    static void start() {
        Path model = TestModels.tiny(tmp.resolve("tiny"));
        Properties p = new Properties();
        p.put("kembed.model.dir", model.toString());
        p.put("kembed.model.threads", "1");
        p.put("kembed.window.max.tokens", "64");
        p.put("kembed.batch.max.tokens", "512");
        server = QueryServer.start(KembedConfig.from(p, Map.of()), tmp.resolve("data"), 0);
        base = "http://localhost:" + server.port();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    static HttpResponse<String> post(String path, Object body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(), HttpResponse.BodyHandlers.ofString());
    }

    static float[] floats(JsonNode arr) {
        float[] v = new float[arr.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) arr.get(i).asDouble();
        }
        return v;
    }

    @Test
    void anInputLongerThanOneWindowIs413OnEveryRouteUnlessTruncatedToItsFirstWindow() throws Exception {
        String text = TestModels.longText(200);
        HttpResponse<String> tei = post("/embed", Map.of("inputs", text));
        assertThat(tei.statusCode()).as(tei.body()).isEqualTo(413);
        JsonNode teiError = JSON.readTree(tei.body());
        assertThat(teiError.get("error_type").asText()).isEqualTo("Validation");
        assertThat(teiError.get("error").asText()).contains("Input validation error", "inputs must have at most 64", "truncate: true");
        assertThat(tei.headers().firstValue("Retry-After")).as("bad input is not retried").isEmpty();

        HttpResponse<String> openAi = post("/v1/embeddings", Map.of("model", server.model().name(), "input", text));
        assertThat(openAi.statusCode()).as(openAi.body()).isEqualTo(413);
        JsonNode err = JSON.readTree(openAi.body()).get("error");
        assertThat(err.get("type").asText()).isEqualTo("invalid_request_error");
        assertThat(err.get("code").asText()).isEqualTo("input-too-long");

        HttpResponse<String> list = post("/embed", Map.of("inputs", java.util.List.of("short", text)));
        assertThat(JSON.readTree(list.body()).get("error").asText()).as("names the input at fault").contains("input 1 has more than 64 tokens");

        HttpResponse<String> cut = post("/embed", Map.of("inputs", text, "truncate", true));
        assertThat(cut.statusCode()).as(cut.body()).isEqualTo(200);
        WindowPlan plan = server.plan();
        float[] want = new DirectEmbedder(plan, server.model().engine(), 4096).embed(plan.truncated(plan.cut(text)), true).vector();
        assertThat(maxDiff(floats(JSON.readTree(cut.body()).get(0)), want)).as("the first window, as before the limit").isLessThanOrEqualTo(1e-6);
        float[] whole = new DirectEmbedder(plan, server.model().engine(), 4096).embed(plan.cut(text), true).vector();
        assertThat(maxDiff(want, whole)).as("which is not the whole text's vector").isGreaterThan(1e-3);

        assertThat(post("/embed", Map.of("inputs", "a short query")).statusCode()).isEqualTo(200);
    }

    @Test
    void infoGivesTheResolvedLimits() throws Exception {
        JsonNode info = JSON.readTree(HTTP.send(HttpRequest.newBuilder(URI.create(base + "/info")).GET().build(),
                HttpResponse.BodyHandlers.ofString()).body());
        assertThat(info.get("max_input_length").asInt()).as("the window").isEqualTo(64);
        assertThat(info.get("max_queued_tokens").asLong()).as("four batch budgets").isEqualTo(4 * 512);
    }
}
