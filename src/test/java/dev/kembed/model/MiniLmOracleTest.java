package dev.kembed.model;

import dev.kembed.engine.Precision;
import dev.kembed.engine.BatchResult;
import dev.kembed.engine.EngineWindow;
import dev.kembed.engine.WindowBatch;
import dev.kembed.engine.djl.DjlModelRunner;
import dev.kembed.engine.onnxruntime.OnnxRuntimeEngine;
import dev.kembed.model.arch.Checkpoint;
import dev.kembed.model.arch.CheckpointWriter;
import dev.kembed.model.recipe.MiniLmConverter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kembed.testing.Sentences;
import dev.kembed.text.DocumentTokenizer;
import dev.kembed.text.TokenizedText;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * External oracle: all-MiniLM-L6-v2 as exported to ONNX by others (shipped on Maven Central),
 * run by ONNX Runtime, against our builder in bert mode fed the weights read back from that file,
 * with a window that covers the whole sentence.
 */
class MiniLmOracleTest {
    @TempDir
    static Path tmp;

    static DjlModelRunner oracle;
    static OnnxRuntimeEngine ours;
    static DocumentTokenizer tokenizer;

    @BeforeAll
    static void load() throws Exception {
        Path onnx = tmp.resolve("minilm.onnx");
        Files.write(onnx, MiniLmConverter.resource(MiniLmConverter.ONNX_RESOURCE));
        oracle = DjlModelRunner.load(onnx, 2, 1);
        Path dir = tmp.resolve("short");
        CheckpointWriter.write(dir, MiniLmConverter.config(256, 512), MiniLmConverter.pretrainedWeights());
        Files.write(dir.resolve("tokenizer.json"), MiniLmConverter.cleanTokenizerJson());
        ours = new OnnxRuntimeEngine(Checkpoint.load(dir), "minilm", 2, 1, false, Precision.FP32);
        tokenizer = DocumentTokenizer.open(dir, 30522);
    }

    @AfterAll
    static void close() {
        oracle.close();
        ours.close();
        tokenizer.close();
    }

    @Test
    void lastHiddenStateMatchesTheExportersGraph() {
        assertThat(Sentences.VARIED).hasSizeGreaterThanOrEqualTo(20);
        List<EngineWindow> windows = new ArrayList<>();
        List<float[]> expected = new ArrayList<>();
        for (String s : Sentences.VARIED) {
            TokenizedText t = tokenizer.tokenize(s);
            int n = t.size() + 2;
            assertThat(n).isLessThanOrEqualTo(128);
            long[] ids = new long[n];
            int[] ids32 = new int[n];
            ids[0] = 101;
            ids[n - 1] = 102;
            for (int i = 0; i < t.size(); i++) {
                ids[i + 1] = t.ids()[i];
            }
            for (int i = 0; i < n; i++) {
                ids32[i] = (int) ids[i];
            }
            long[] ones = new long[n];
            Arrays.fill(ones, 1);
            Map<String, DjlModelRunner.Output> out = oracle.run(List.of(
                    new DjlModelRunner.Input("input_ids", ids, 1, n),
                    new DjlModelRunner.Input("attention_mask", ones, 1, n),
                    new DjlModelRunner.Input("token_type_ids", new long[n], 1, n)));
            float[] hidden = out.containsKey("last_hidden_state") ? out.get("last_hidden_state").data() : out.values().iterator().next().data();
            assertThat(hidden).hasSize(n * 384);
            expected.add(hidden);
            int[] pool = new int[n];
            Arrays.fill(pool, 1);
            windows.add(new EngineWindow(ids32, null, pool));
        }
        // one mixed-length batch on our side: padding must not leak into real rows
        BatchResult got = ours.embed(new WindowBatch(windows, true));
        double worst = 0;
        for (int s = 0; s < windows.size(); s++) {
            float[][] states = got.windows().get(s).tokenStates();
            float[] exp = expected.get(s);
            for (int t = 0; t < states.length; t++) {
                for (int k = 0; k < 384; k++) {
                    worst = Math.max(worst, Math.abs(states[t][k] - exp[t * 384 + k]));
                }
            }
        }
        System.out.printf("MiniLM oracle: max abs difference %.3g over %d sentences%n", worst, windows.size());
        assertThat(worst).isLessThanOrEqualTo(1e-4);
    }
}
