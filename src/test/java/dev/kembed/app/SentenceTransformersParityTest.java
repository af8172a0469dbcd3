package dev.kembed.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kembed.app.config.ModelDefaults;
import dev.kembed.cli.KembedCli;
import dev.kembed.model.checkpoint.SentenceTransformersConfig;
import dev.kembed.testing.Captured;
import dev.kembed.text.WindowPlan;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code kembed embed --model <sentence-transformers directory>} against sentence-transformers' own
 * {@code encode()} output (reference.json, made with sentence-transformers 6.0.1): the directory's
 * pooling, normalization, window size and prompts are read as sentence-transformers reads them
 * (new and legacy layouts), and the vectors and token ids equal its output.
 */
class SentenceTransformersParityTest {
    static final Path FIXTURES = Path.of("src/test/resources/fixtures");
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"st-xlm-roberta-tiny", "st-modernbert-tiny", "st-modernbert-legacy-tiny", "st-bert-tiny", "st-mpnet-tiny", "st-qwen3-tiny"})
    void embedEqualsSentenceTransformersEncode(String fixture) throws Exception {
        Path dir = FIXTURES.resolve(fixture);
        JsonNode ref = JSON.readTree(dir.resolve("reference.json").toFile());
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < ref.get("texts").size(); i++) {
            lines.add(JSON.writeValueAsString(Map.of("id", "t" + i, "text", ref.get("texts").get(i).asText())));
        }
        Path in = tmp.resolve("in.jsonl");
        Path out = tmp.resolve("out.jsonl");
        Files.write(in, lines);
        List<String> args = new ArrayList<>(List.of("embed", "--model", dir.toString(), "--threads", "1", "--input", in.toString(), "--output",
                out.toString()));
        JsonNode promptName = ref.get("prompt_name");
        if (promptName != null && !promptName.isNull()) {
            args.addAll(List.of("--prompt-name", promptName.asText()));
        }
        assertThat(KembedCli.execute(args.toArray(String[]::new))).isZero();
        List<String> got = Files.readAllLines(out);
        assertThat(got).hasSize(lines.size());
        double worst = 0;
        for (int i = 0; i < got.size(); i++) {
            JsonNode v = JSON.readTree(got.get(i)).get("embedding");
            JsonNode want = ref.get("embeddings").get(i);
            assertThat(v).hasSize(want.size());
            for (int c = 0; c < want.size(); c++) {
                worst = Math.max(worst, Math.abs(v.get(c).asDouble() - want.get(c).asDouble()));
            }
        }
        System.out.printf("sentence-transformers parity %s (prompt %s): max abs %.2e%n", fixture, promptName, worst);
        assertThat(worst).isLessThanOrEqualTo(1e-5);

        // the token ids sentence-transformers fed the model: [CLS], the prompt, the text, [SEP] in one window
        var st = SentenceTransformersConfig.read(dir);
        try (KembedModel.Tokenizing tok = KembedModel.tokenizing(dir)) {
            var settings = ModelDefaults.apply(dev.kembed.text.EmbeddingSettings.defaults(), new ModelDefaults.Given(false, false, false, "p", "n",
                    "m", "--prompt", "--prompt-name"), dir, "", promptName == null || promptName.isNull() ? "" : promptName.asText());
            WindowPlan plan = tok.plan(settings, WindowPlan.SettingNames.CLI);
            for (int i = 0; i < ref.get("texts").size(); i++) {
                var windows = plan.cut(ref.get("texts").get(i).asText()).windows();
                assertThat(windows).hasSize(1);
                int[] want = JSON.convertValue(ref.get("token_ids").get(i), int[].class);
                assertThat(windows.get(0).ids()).as("text %d", i).containsExactly(want);
            }
            assertThat(settings.pooling().label()).isEqualTo(st.pooling());
            assertThat(settings.normalize()).isEqualTo(st.normalize());
        }
    }

    @Test
    void unknownModulesAndPoolingsAreRefusedByName() throws Exception {
        Path dir = tmp.resolve("st");
        Files.createDirectories(dir.resolve("1_Pooling"));
        Files.writeString(dir.resolve("modules.json"), "[{\"idx\":0,\"name\":\"0\",\"path\":\"\",\"type\":\"sentence_transformers.models.Transformer\"},"
                + "{\"idx\":1,\"name\":\"1\",\"path\":\"1_Pooling\",\"type\":\"sentence_transformers.models.Pooling\"},"
                + "{\"idx\":2,\"name\":\"2\",\"path\":\"2_Dense\",\"type\":\"sentence_transformers.models.Dense\"}]");
        Files.writeString(dir.resolve("1_Pooling/config.json"), "{\"pooling_mode\": \"mean\"}");
        assertThatThrownBy(() -> SentenceTransformersConfig.read(dir)).hasMessageContaining("sentence_transformers.models.Dense")
                .hasMessageContaining("not supported");
        Files.writeString(dir.resolve("modules.json"), "[{\"idx\":0,\"name\":\"0\",\"path\":\"\",\"type\":\"sentence_transformers.models.Transformer\"},"
                + "{\"idx\":1,\"name\":\"1\",\"path\":\"1_Pooling\",\"type\":\"sentence_transformers.models.Pooling\"},"
                + "{\"idx\":2,\"name\":\"2\",\"path\":\"2_R\",\"type\":\"sentence_transformers.models.Router\"}]");
        assertThatThrownBy(() -> SentenceTransformersConfig.read(dir)).hasMessageContaining("Router");
        Files.writeString(dir.resolve("modules.json"), "[{\"idx\":0,\"name\":\"0\",\"path\":\"\",\"type\":\"sentence_transformers.models.Transformer\"},"
                + "{\"idx\":1,\"name\":\"1\",\"path\":\"1_Pooling\",\"type\":\"sentence_transformers.models.Pooling\"}]");
        Files.writeString(dir.resolve("1_Pooling/config.json"), "{\"pooling_mode_max_tokens\": true, \"pooling_mode_mean_tokens\": false}");
        assertThatThrownBy(() -> SentenceTransformersConfig.read(dir)).hasMessageContaining("pooling_mode_max_tokens");
        Files.writeString(dir.resolve("1_Pooling/config.json"), "{\"pooling_mode\": \"weightedmean\"}");
        assertThatThrownBy(() -> SentenceTransformersConfig.read(dir)).hasMessageContaining("'weightedmean'")
                .hasMessageContaining("allowed: cls, mean, lasttoken");
        Files.writeString(dir.resolve("1_Pooling/config.json"), "{\"pooling_mode\": \"lasttoken\"}");
        assertThat(SentenceTransformersConfig.read(dir).pooling()).isEqualTo("last");
        Files.writeString(dir.resolve("1_Pooling/config.json"), "{\"pooling_mode_lasttoken\": true, \"pooling_mode_mean_tokens\": false}");
        assertThat(SentenceTransformersConfig.read(dir).pooling()).isEqualTo("last");
    }

    @Test
    void anUnknownPromptNameIsRefusedNamingTheSettingAndThePrompts() {
        Path dir = FIXTURES.resolve("st-modernbert-tiny");
        Captured run = Captured.run("embed", "--model", dir.toString(), "--prompt-name", "passage", "--input", "/dev/null");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.stderr()).contains("--prompt-name=passage").contains("document").contains("query");
    }
}
