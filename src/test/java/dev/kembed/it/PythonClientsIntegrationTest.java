package dev.kembed.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kembed.app.KembedConfig;
import dev.kembed.app.QueryServer;
import dev.kembed.cli.KembedCli;
import dev.kembed.testing.IntegrationTest;
import dev.kembed.testing.TestModels;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import static dev.kembed.testing.Vectors.dot;
import static dev.kembed.testing.Vectors.floats;
import static dev.kembed.testing.Vectors.maxDiff;
import org.junit.jupiter.api.io.TempDir;

/**
 * The clients RAG frameworks use, for real: OpenAI's Python SDK and Hugging Face's
 * {@code InferenceClient} ({@code feature_extraction}, {@code sentence_similarity}), installed in a
 * throwaway venv under {@code target/} (never a dependency of kembed), run against
 * {@code kembed serve}'s routes on a model served without {@code kembed.normalize}. Their vectors
 * equal {@code kembed embed --normalize}. Skipped, saying why, where Python or the packages
 * cannot be had.
 */
@IntegrationTest
class PythonClientsIntegrationTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Path VENV = Path.of("target", "python-clients-venv");

    @TempDir
    Path tmp;

    @Test
    void openAiAndHuggingFaceClientsGetKembedEmbedNormalizeVectors() throws Exception {
        Path python = venvWithClients();
        Path model = TestModels.tiny(tmp.resolve("tiny"));
        List<String> texts = List.of("how do I reset my password?", "Passwords are reset from the account page.", "The cafeteria opens at eight.");
        List<float[]> unit = reference(model, texts);
        Properties p = new Properties();
        p.put("kembed.model.dir", model.toString());
        p.put("kembed.model.threads", "1");
        p.put("kembed.normalize", "false");
        try (QueryServer server = QueryServer.start(KembedConfig.from(p, Map.of()), tmp.resolve("data"), 0)) {
            Path script = tmp.resolve("clients_check.py");
            try (var in = getClass().getResourceAsStream("/python/clients_check.py")) {
                Files.copy(in, script);
            }
            List<String> cmd = new ArrayList<>(List.of(python.toString(), script.toString(), "http://localhost:" + server.port(),
                    server.model().name()));
            cmd.addAll(texts);
            Run run = run(cmd, 300);
            assertThat(run.code()).as(run.output()).isZero();
            String lastLine = run.output().strip().lines().reduce((a, b) -> b).orElse("");
            JsonNode got = JSON.readTree(lastLine);
            for (int i = 0; i < texts.size(); i++) {
                assertThat(maxDiff(floats(got.get("openai").get(i)), unit.get(i))).as("OpenAI SDK, text %d", i).isLessThanOrEqualTo(1e-5);
                assertThat(maxDiff(floats(got.get("hf").get(i)), unit.get(i))).as("InferenceClient.feature_extraction, text %d", i)
                        .isLessThanOrEqualTo(1e-5);
            }
            float[] short8 = floats(got.get("openai_dim8"));
            assertThat(short8).hasSize(8);
            assertThat(Math.sqrt(dot(short8, short8))).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
            for (int i = 0; i < 2; i++) {
                assertThat(got.get("similarity").get(i).asDouble()).as("sentence_similarity %d", i)
                        .isCloseTo(dot(unit.get(0), unit.get(i + 1)), org.assertj.core.data.Offset.offset(1e-5));
            }
            assertThat(got.get("openai_tokens").asInt()).isGreaterThan(texts.size());
        }
    }

    /**
     * A venv with openai, huggingface_hub and requests (made once per build, for every test that drives Python clients); the
     * test is skipped, saying why, when it cannot be made.
     */
    static Path venvWithClients() throws Exception {
        Path python = VENV.resolve("bin").resolve("python");
        if (Files.isExecutable(python) && run(List.of(python.toString(), "-c", "import openai, huggingface_hub, requests"), 60).code() == 0) {
            return python;
        }
        Run version = run(List.of("python3", "-m", "venv", VENV.toString()), 120);
        Assumptions.assumeTrue(version.code() == 0, () -> "no Python venv here (python3 -m venv failed): " + tail(version.output()));
        // pip's own configuration names the package index (a local mirror on machines without internet)
        Run pip = run(List.of(VENV.resolve("bin").resolve("pip").toString(), "install", "--quiet", "--no-compile", "openai", "huggingface_hub", "numpy",
                "requests"), 600);
        Assumptions.assumeTrue(pip.code() == 0, () -> "cannot install openai and huggingface_hub into " + VENV + ": " + tail(pip.output()));
        return python;
    }

    record Run(int code, String output) {}

    static Run run(List<String> cmd, int timeoutSeconds) throws InterruptedException {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Run(-1, "timed out after " + timeoutSeconds + " s");
            }
            return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return new Run(-1, e.getMessage());
        }
    }

    static String tail(String s) {
        return s.length() > 800 ? s.substring(s.length() - 800) : s;
    }

    static List<float[]> reference(Path model, List<String> texts) throws Exception {
        Path in = Files.createTempFile("ref", ".jsonl");
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            lines.add(JSON.writeValueAsString(Map.of("id", "t" + i, "text", texts.get(i))));
        }
        Files.write(in, lines);
        Path out = Files.createTempFile("ref", ".out.jsonl");
        assertThat(KembedCli.execute("embed", "--model", model.toString(), "--threads", "1", "--normalize", "--input", in.toString(),
                "--output", out.toString())).isZero();
        List<float[]> vectors = new ArrayList<>();
        for (String line : Files.readAllLines(out)) {
            vectors.add(floats(JSON.readTree(line).get("embedding")));
        }
        return vectors;
    }



}
