package dev.kembed.model;

import dev.kembed.engine.Precision;
import dev.kembed.engine.BatchResult;
import dev.kembed.engine.EngineWindow;
import dev.kembed.engine.WindowBatch;
import dev.kembed.engine.WindowResult;
import dev.kembed.engine.onnxruntime.OnnxRuntimeEngine;
import dev.kembed.model.arch.Checkpoint;
import dev.kembed.model.arch.CheckpointWriter;
import dev.kembed.model.checkpoint.FloatTensor;
import dev.kembed.model.arch.ModelConfig;
import dev.kembed.model.arch.Architectures;
import dev.kembed.model.recipe.RandomCheckpoint;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The ONNX graph, run by ONNX Runtime, against {@link NaiveLongformer} in double precision:
 * ≤ 1e-5 max abs on every non-pad token.
 */
class LongformerGraphTest {
    private static final double TOLERANCE = 1e-5;

    @TempDir
    Path tmp;

    enum Global { NONE, FIRST, SEVERAL }

    static Stream<Arguments> cases() {
        return Stream.of(
                // windows (per layer), lengths in one batch, global attention
                Arguments.of(new int[] {8, 8}, new int[] {16}, Global.NONE),
                Arguments.of(new int[] {8, 16, 8}, new int[] {37}, Global.NONE),
                Arguments.of(new int[] {8, 16, 8}, new int[] {37, 5, 16, 24}, Global.NONE),
                Arguments.of(new int[] {8, 16, 8}, new int[] {37, 5, 16, 24}, Global.FIRST),
                Arguments.of(new int[] {4, 12}, new int[] {29, 50, 3}, Global.SEVERAL),
                Arguments.of(new int[] {32, 32}, new int[] {9}, Global.FIRST), // shorter than one window
                Arguments.of(new int[] {6, 6, 6}, new int[] {41, 40}, Global.SEVERAL));
    }

    @ParameterizedTest(name = "windows {0} lengths {1} global {2}")
    @MethodSource("cases")
    void graphMatchesNaiveReference(int[] windows, int[] lengths, Global global) throws Exception {
        ModelConfig cfg = new ModelConfig(Architectures.LONGFORMER, 97, 32, windows.length, 4, 48, 130, 1, 1e-5, 1, 0, 2, windows);
        compare(cfg, lengths, global, 11L * Arrays.hashCode(windows) + lengths.length);
    }

    @ParameterizedTest(name = "bert windows {0} lengths {1}")
    @MethodSource("bertCases")
    void bertFamilyMatchesNaiveReference(int[] windows, int[] lengths) throws Exception {
        ModelConfig cfg = new ModelConfig(Architectures.BERT_LONG, 97, 24, windows.length, 3, 40, 128, 2, 1e-12, 0, 101 % 97, 102 % 97, windows);
        compare(cfg, lengths, Global.NONE, 5);
    }

    static Stream<Arguments> bertCases() {
        return Stream.of(
                Arguments.of(new int[] {8, 8}, new int[] {21, 9}),
                Arguments.of(new int[] {64, 64}, new int[] {30, 12})); // window covers the whole sequence
    }

    private void compare(ModelConfig cfg, int[] lengths, Global global, long seed) throws Exception {
        Map<String, FloatTensor> weights = RandomCheckpoint.weights(cfg, seed, 0.3);
        Path dir = tmp.resolve("ckpt");
        CheckpointWriter.write(dir, cfg, weights);
        Checkpoint ckpt = Checkpoint.load(dir);
        NaiveLongformer naive = new NaiveLongformer(cfg, weights);
        SplittableRandom rnd = new SplittableRandom(seed);
        List<EngineWindow> windows = new ArrayList<>();
        for (int len : lengths) {
            int[] ids = new int[len];
            int[] gm = new int[len];
            int[] pm = new int[len];
            for (int i = 0; i < len; i++) {
                ids[i] = 3 + rnd.nextInt(cfg.vocabSize() - 3);
                pm[i] = rnd.nextInt(3) == 0 ? 0 : 1;
            }
            ids[0] = cfg.bosTokenId();
            ids[len - 1] = cfg.eosTokenId();
            if (global != Global.NONE) {
                gm[0] = 1;
            }
            if (global == Global.SEVERAL) {
                for (int i = 3; i < len; i += 7) {
                    gm[i] = 1;
                }
            }
            windows.add(new EngineWindow(ids, global == Global.NONE ? null : gm, pm));
        }
        try (OnnxRuntimeEngine engine = new OnnxRuntimeEngine(ckpt, "test", 1, 1, global != Global.NONE, Precision.FP32)) {
            BatchResult result = engine.embed(new WindowBatch(windows, true));
            double worst = 0;
            for (int b = 0; b < windows.size(); b++) {
                EngineWindow w = windows.get(b);
                int[] am = new int[w.length()];
                Arrays.fill(am, 1);
                double[][] expected = naive.forward(w.inputIds(), am, w.globalMask());
                WindowResult got = result.windows().get(b);
                assertThat(got.tokenStates()).hasNumberOfRows(w.length());
                double[] sum = new double[cfg.hiddenSize()];
                int count = 0;
                for (int t = 0; t < w.length(); t++) {
                    for (int k = 0; k < cfg.hiddenSize(); k++) {
                        worst = Math.max(worst, Math.abs(expected[t][k] - got.tokenStates()[t][k]));
                        if (w.poolMask()[t] == 1) {
                            sum[k] += expected[t][k];
                        }
                    }
                    count += w.poolMask()[t];
                }
                assertThat(got.count()).isEqualTo(count);
                for (int k = 0; k < cfg.hiddenSize(); k++) {
                    assertThat((double) got.cls()[k]).isCloseTo(expected[0][k], org.assertj.core.data.Offset.offset(TOLERANCE));
                    assertThat((double) got.sum()[k]).isCloseTo(sum[k], org.assertj.core.data.Offset.offset(TOLERANCE * Math.max(1, count)));
                }
            }
            System.out.printf("max abs diff %.3g%n", worst);
            assertThat(worst).as("max abs difference to the naive reference").isLessThanOrEqualTo(TOLERANCE);
        }
    }
}
