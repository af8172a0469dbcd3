package dev.kembed.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kembed.engine.EngineWindow;
import dev.kembed.engine.Precision;
import dev.kembed.engine.WindowBatch;
import dev.kembed.engine.WindowResult;
import dev.kembed.engine.djl.DjlModelRunner;
import dev.kembed.engine.onnxruntime.OnnxRuntimeEngine;
import dev.kembed.model.arch.Checkpoint;
import dev.kembed.model.checkpoint.FloatTensor;
import dev.kembed.model.onnx.LinearFormat;
import dev.kembed.model.onnx.OnnxGraph;
import dev.kembed.model.onnx.QuantizedWeight;
import dev.kembed.testing.TestModels;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The int8 linear layers compute exactly the quantization arithmetic we mean: each format's graph,
 * run by ONNX Runtime on a tiny checkpoint's real layer weights, against a plain Java
 * re-implementation of that arithmetic. (How much accuracy int8 loses is Int8AccuracyTest's job.)
 */
class QuantizedLinearTest {
    private static final int ROWS = 7;

    @TempDir
    static Path tmp;

    @ParameterizedTest
    @EnumSource(value = LinearFormat.class, names = "FP32", mode = EnumSource.Mode.EXCLUDE)
    void int8GraphMatchesTheJavaArithmetic(LinearFormat format) throws Exception {
        Checkpoint ckpt = Checkpoint.load(TestModels.tiny(tmp.resolve("tiny")));
        for (String layer : List.of("encoder.layer.0.attention.self.query", "encoder.layer.1.intermediate.dense", "encoder.layer.1.output.dense")) {
            FloatTensor w = ckpt.tensor(layer + ".weight").transpose2d();
            float[] bias = ckpt.tensor(layer + ".bias").data();
            float[] x = activations(w.dim(0));
            float[] expected = reference(format, x, w, bias);
            float[] actual = run(format, x, w, bias);
            double maxAbs = 0;
            for (int i = 0; i < expected.length; i++) {
                maxAbs = Math.max(maxAbs, Math.abs(expected[i] - actual[i]));
            }
            System.out.printf("%s %s: max |onnx - java| = %.2e over %d outputs%n", format.label(), layer, maxAbs, expected.length);
            assertThat(maxAbs).as(format + " " + layer).isLessThanOrEqualTo(1e-4);
        }
    }

    @Test
    void weightsAreSymmetricSevenBitPerOutputColumn() {
        float[] w = {0.6f, -2f, 0f, -0.25f, 1f, 0f}; // [3, 2]: column 0 has max 1, column 1 max 2
        QuantizedWeight q = QuantizedWeight.of(new FloatTensor(new int[] {3, 2}, w));
        assertThat(q.scales()).containsExactly(1f / 63, 2f / 63);
        assertThat(q.data()).containsExactly(38, -63, 0, -8, 63, 0); // 0.6*63 = 37.8; -0.25*63/2 = -7.875
        QuantizedWeight zero = QuantizedWeight.of(new FloatTensor(new int[] {2, 1}, new float[] {0f, 0f}));
        assertThat(zero.scales()).containsExactly(1f);
        assertThat(zero.data()).containsExactly(0, 0);
    }

    /** Per-row scales: a window's int8 vector cannot depend on which other windows share its batch. */
    @Test
    void int8WindowResultDoesNotDependOnItsBatch() {
        Checkpoint ckpt = Checkpoint.load(TestModels.tiny(tmp.resolve("tiny")));
        try (OnnxRuntimeEngine engine = new OnnxRuntimeEngine(ckpt, "tiny", 1, 1, true, Precision.INT8)) {
            EngineWindow quiet = window(40, 5, 1);
            EngineWindow loud = window(64, 300, 3); // other ids, other length: other activation ranges
            WindowResult alone = engine.embed(WindowBatch.of(List.of(quiet))).windows().get(0);
            WindowResult batched = engine.embed(WindowBatch.of(List.of(loud, quiet))).windows().get(1);
            for (int c = 0; c < alone.cls().length; c++) {
                assertThat(batched.cls()[c]).isCloseTo(alone.cls()[c], org.assertj.core.data.Offset.offset(1e-5f));
                assertThat(batched.sum()[c]).isCloseTo(alone.sum()[c], org.assertj.core.data.Offset.offset(1e-4f));
            }
            assertThat(engine.info().precision()).isEqualTo(Precision.INT8);
        }
    }

    private static EngineWindow window(int len, int firstId, int step) {
        int[] ids = new int[len];
        int[] global = new int[len];
        int[] pool = new int[len];
        for (int t = 0; t < len; t++) {
            ids[t] = 4 + (firstId + t * step) % 490;
            pool[t] = 1;
        }
        ids[0] = 0;
        ids[len - 1] = 2;
        global[0] = 1;
        return new EngineWindow(ids, global, pool);
    }

    /** LayerNorm-scale rows, one with an outlier, one all zero (the per-row scale must not divide by 0). */
    private static float[] activations(int k) {
        SplittableRandom rnd = new SplittableRandom(11);
        float[] x = new float[ROWS * k];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        x[2 * k + 3] = 40f;
        java.util.Arrays.fill(x, 4 * k, 5 * k, 0f);
        return x;
    }

    private static float[] run(LinearFormat format, float[] x, FloatTensor w, float[] bias) throws Exception {
        int k = w.dim(0);
        int n = w.dim(1);
        OnnxGraph g = new OnnxGraph("linear");
        String in = g.input("x", 1, 1L, (long) ROWS, (long) k);
        g.output(format.append(g, in, "l", w.data(), w.longShape(), bias), "y", 1, 1L, (long) ROWS, (long) n);
        Path file = tmp.resolve(format.label() + ".onnx");
        g.writeTo(file);
        try (DjlModelRunner r = DjlModelRunner.load(file, 1, 1)) {
            return r.run(List.of(new DjlModelRunner.Input("x", x, 1, ROWS, k))).get("y").data();
        }
    }

    /** The arithmetic {@link LinearFormat} documents, written out plainly. */
    static float[] reference(LinearFormat format, float[] x, FloatTensor w, float[] bias) {
        int k = w.dim(0);
        int n = w.dim(1);
        QuantizedWeight qw = QuantizedWeight.of(w);
        float[] y = new float[ROWS * n];
        int[] q = new int[x.length];
        float[] rowScale = new float[ROWS];
        int zeroPoint;
        if (format == LinearFormat.INT8_PER_ROW) {
            zeroPoint = 128;
            for (int r = 0; r < ROWS; r++) {
                float absMax = 0;
                for (int c = 0; c < k; c++) {
                    absMax = Math.max(absMax, Math.abs(x[r * k + c]));
                }
                rowScale[r] = Math.max(absMax, Float.MIN_NORMAL) / 127f;
                for (int c = 0; c < k; c++) {
                    q[r * k + c] = (int) Math.max(1, Math.min(255, Math.rint(x[r * k + c] / rowScale[r]) + 128));
                }
            }
        } else { // ONNX DynamicQuantizeLinear: one uint8 scale and zero point for the whole tensor
            float min = 0;
            float max = 0;
            for (float v : x) {
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
            float scale = (max - min) / 255f;
            zeroPoint = (int) Math.rint(Math.max(0, Math.min(255, -min / scale)));
            for (int i = 0; i < x.length; i++) {
                q[i] = (int) Math.max(0, Math.min(255, Math.rint(x[i] / scale) + zeroPoint));
            }
            java.util.Arrays.fill(rowScale, scale);
        }
        for (int r = 0; r < ROWS; r++) {
            for (int j = 0; j < n; j++) {
                long acc = 0;
                for (int c = 0; c < k; c++) {
                    acc += (long) (q[r * k + c] - zeroPoint) * qw.data()[c * n + j];
                }
                y[r * n + j] = (float) acc * rowScale[r] * qw.scales()[j] + bias[j];
            }
        }
        return y;
    }
}
