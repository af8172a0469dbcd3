package dev.kembed.model.onnx;

import static dev.kembed.model.onnx.OnnxGraph.Attr;

import dev.kembed.model.checkpoint.FloatTensor;

import java.util.Locale;

/**
 * How a linear layer {@code x · W + b} is written into the graph. Every int8 format uses weights
 * per {@link QuantizedWeight}, an exact int32 product and {@code y = acc * a_scale * w_scale[n] + b}.
 * The first three quantize the activations per tensor, as ONNX {@code DynamicQuantizeLinear}
 * defines it (range widened to include 0, scale = range / 255, zero point rounded half to even), and
 * differ only in which ONNX Runtime kernels do the work; {@link #INT8_PER_ROW} quantizes per token.
 * {@code kembed bench linear} times them side by side.
 */
public enum LinearFormat {
    /** MatMul + Add in float32. */
    FP32,
    /** One {@code com.microsoft.DynamicQuantizeMatMul}: quantize, int8 GEMM and rescale fused. */
    INT8_DYNAMIC_QUANTIZE_MATMUL,
    /** {@code DynamicQuantizeLinear} then {@code com.microsoft.MatMulIntegerToFloat} (rescale fused into the GEMM). */
    INT8_MATMUL_INTEGER_TO_FLOAT,
    /** Standard ops only: {@code DynamicQuantizeLinear}, {@code MatMulInteger} (int32 out), Cast, Mul, Mul, Add. */
    INT8_MATMUL_INTEGER,
    /**
     * Activations quantized per row (per token) instead of per tensor: symmetric to [-127, 127],
     * stored as uint8 with the fixed zero point 128 (ONNX Runtime's CPU MatMulInteger takes only a
     * scalar zero point), then {@code MatMulInteger}, Cast, Mul by the row and column scales, Add.
     * One outlier token no longer costs every other token its resolution.
     */
    INT8_PER_ROW;

    /**
     * What {@code precision=int8} builds. Per-tensor scales failed the accuracy bar on the demo
     * model (min document cosine 0.985 against fp32; per-row 0.995, BENCHMARKS.md), and they make a
     * window's vector depend on the other windows of its batch (one scale for all of them). Per-row
     * scales depend on the token alone, so a vector is the same however the queue batched it.
     */
    public static final LinearFormat INT8_DEFAULT = INT8_PER_ROW;

    public boolean int8() {
        return this != FP32;
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Appends {@code x · w + bias} (w is [K, N], already transposed from HF's [out, in]) and returns the output name. */
    public String append(OnnxGraph g, String x, String hint, float[] w, long[] wShape, float[] bias) {
        if (this == FP32) {
            return g.op("Add", g.op("MatMul", x, g.floats(hint + ".weight_t", w, wShape)), g.floats(hint + ".bias", bias, bias.length));
        }
        QuantizedWeight q = QuantizedWeight.of(new FloatTensor(new int[] {(int) wShape[0], (int) wShape[1]}, w));
        String wq = g.int8s(hint + ".weight_q", q.data(), wShape);
        String ws = g.floats(hint + ".weight_scale", q.scales(), q.cols());
        String b = g.floats(hint + ".bias", bias, bias.length);
        switch (this) {
            case INT8_DYNAMIC_QUANTIZE_MATMUL:
                return g.msOp("DynamicQuantizeMatMul", x, wq, ws, "", b);
            case INT8_MATMUL_INTEGER_TO_FLOAT: {
                String[] dq = g.ops("DynamicQuantizeLinear", 3, new Attr[0], x);
                return g.msOp("MatMulIntegerToFloat", dq[0], wq, dq[1], ws, dq[2], "", b);
            }
            case INT8_MATMUL_INTEGER: {
                String[] dq = g.ops("DynamicQuantizeLinear", 3, new Attr[0], x);
                String acc = g.op("MatMulInteger", dq[0], wq, dq[2]);
                String f = g.op("Cast", new Attr[] {Attr.i("to", OnnxGraph.FLOAT)}, acc);
                return g.op("Add", g.op("Mul", g.op("Mul", f, dq[1]), ws), b);
            }
            case INT8_PER_ROW: {
                String absMax = g.op("ReduceMax", new Attr[] {Attr.i("keepdims", 1), Attr.ints("axes", -1)}, g.op("Abs", x));
                // a row of zeros keeps scale 1 (its products are 0 anyway) instead of dividing by 0
                String scale = g.op("Div", g.op("Max", absMax, g.scalarFloat(Float.MIN_NORMAL)), g.scalarFloat(127f));
                String shifted = g.op("Add", g.op("Round", g.op("Div", x, scale)), g.scalarFloat(128f));
                String xq = g.op("Cast", new Attr[] {Attr.i("to", OnnxGraph.UINT8)}, g.op("Clip", shifted, g.scalarFloat(1f), g.scalarFloat(255f)));
                String acc = g.op("MatMulInteger", xq, wq, g.scalarUint8(128));
                String f = g.op("Cast", new Attr[] {Attr.i("to", OnnxGraph.FLOAT)}, acc);
                return g.op("Add", g.op("Mul", g.op("Mul", f, scale), ws), b);
            }
            default:
                throw new IllegalStateException(name());
        }
    }
}
