package dev.kembed.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kembed.engine.EngineWindow;
import dev.kembed.engine.Precision;
import dev.kembed.engine.WindowBatch;
import dev.kembed.engine.WindowResult;
import dev.kembed.engine.onnxruntime.OnnxRuntimeEngine;
import dev.kembed.model.arch.Checkpoint;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * NomicBERT's dynamic NTK RoPE scaling (the hub's rotary_scaling_factor past max_trained_positions)
 * against transformers' own outputs (fixtures/make_nomic_ntk_fixture.py): sequences below, at and
 * above the trained length of 32, each scaled by its own length, and in one padded batch, where
 * each window still scales by its own length, never the batch's.
 */
class NomicNtkTest {
    static final Path FIXTURE = Path.of("src/test/resources/fixtures/nomic-ntk-tiny");

    @Test
    void eachWindowScalesByItsOwnLengthAsTransformersDoes() throws Exception {
        JsonNode cases = new ObjectMapper().readTree(FIXTURE.resolve("cases.json").toFile()).get("cases");
        Checkpoint ckpt = Checkpoint.load(FIXTURE);
        assertThat(ckpt.config().rope().scalingFactor()).isEqualTo(2.0);
        assertThat(ckpt.config().rope().maxTrainedPositions()).isEqualTo(32);
        List<EngineWindow> windows = new ArrayList<>();
        for (JsonNode c : cases) {
            int[] ids = new ObjectMapper().convertValue(c.get("input_ids"), int[].class);
            windows.add(new EngineWindow(ids, null, new int[ids.length]));
        }
        try (OnnxRuntimeEngine engine = new OnnxRuntimeEngine(ckpt, "ntk", 1, 1, false, Precision.FP32)) {
            List<WindowResult> alone = new ArrayList<>();
            for (EngineWindow w : windows) {
                alone.add(engine.embed(new WindowBatch(List.of(w), true)).windows().get(0));
            }
            List<WindowResult> batched = engine.embed(new WindowBatch(windows, true)).windows();
            double worstAlone = 0;
            double worstBatched = 0;
            double scaledVsUnscaled = 0;
            for (int k = 0; k < cases.size(); k++) {
                JsonNode want = cases.get(k).get("last_hidden_state");
                for (int t = 0; t < want.size(); t++) {
                    for (int d = 0; d < want.get(t).size(); d++) {
                        double w = want.get(t).get(d).asDouble();
                        worstAlone = Math.max(worstAlone, Math.abs(alone.get(k).tokenStates()[t][d] - w));
                        worstBatched = Math.max(worstBatched, Math.abs(batched.get(k).tokenStates()[t][d] - w));
                    }
                }
            }
            // without the scaling the long sequences would come out otherwise: the test sees the scaling
            Path unscaled = java.nio.file.Files.createTempDirectory("nomic-unscaled");
            for (String f : List.of("model.safetensors", "tokenizer.json")) {
                java.nio.file.Files.copy(FIXTURE.resolve(f), unscaled.resolve(f));
            }
            var cfg = (com.fasterxml.jackson.databind.node.ObjectNode) new ObjectMapper().readTree(FIXTURE.resolve("config.json").toFile());
            cfg.putNull("rotary_scaling_factor");
            new ObjectMapper().writeValue(unscaled.resolve("config.json").toFile(), cfg);
            try (OnnxRuntimeEngine plain = new OnnxRuntimeEngine(Checkpoint.load(unscaled), "plain", 1, 1, false, Precision.FP32)) {
                WindowResult r = plain.embed(new WindowBatch(List.of(windows.get(2)), true)).windows().get(0);
                JsonNode want = cases.get(2).get("last_hidden_state");
                for (int t = 0; t < want.size(); t++) {
                    for (int d = 0; d < want.get(t).size(); d++) {
                        scaledVsUnscaled = Math.max(scaledVsUnscaled, Math.abs(r.tokenStates()[t][d] - want.get(t).get(d).asDouble()));
                    }
                }
            }
            System.out.printf("nomic dynamic NTK: max abs vs transformers %.2e alone, %.2e in one padded batch; unscaled %.2e%n", worstAlone,
                    worstBatched, scaledVsUnscaled);
            assertThat(scaledVsUnscaled).as("80 tokens past a trained length of 32 without scaling").isGreaterThan(1e-3);
            assertThat(worstAlone).isLessThanOrEqualTo(1e-4);
            assertThat(worstBatched).as("a short window in a batch with a long one keeps its own scale").isLessThanOrEqualTo(1e-4);
        }
    }
}
