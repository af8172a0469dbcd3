package dev.kembed.model.onnx;

import dev.kembed.model.checkpoint.FloatTensor;

/**
 * A [K, N] MatMul weight quantized symmetrically per output column (zero point 0) to 7 bits:
 * {@code w[k][n] ≈ q[k][n] * scale[n]}, {@code scale[n] = max_k |w[k][n]| / 63}, q in [-63, 63].
 *
 * <p>Why 7 bits and not 8: on x86 CPUs without VNNI, ONNX Runtime's uint8×int8 kernel multiplies
 * with {@code vpmaddubsw}, which adds pairs of products into a saturating int16; 2·255·127 overflows
 * it and silently clips (measured here on an AVX2 EPYC: max error 0.31 on one FFN layer with 8-bit
 * weights, 0.062 with 7-bit). 2·255·63 fits, so the result is the exact arithmetic on every CPU
 * (ONNX Runtime's own quantizer calls this {@code reduce_range}). Per-column scales keep one large
 * output channel from costing the others their precision.
 */
public record QuantizedWeight(byte[] data, float[] scales, int rows, int cols) {
    /** Largest quantized magnitude: 7 bits, so no int16 pair sum can saturate (see above). */
    public static final int Q_MAX = 63;

    public static QuantizedWeight of(FloatTensor weight) {
        int rows = weight.dim(0);
        int cols = weight.dim(1);
        float[] w = weight.data();
        float[] scales = new float[cols];
        for (int k = 0; k < rows; k++) {
            for (int n = 0; n < cols; n++) {
                scales[n] = Math.max(scales[n], Math.abs(w[k * cols + n]));
            }
        }
        for (int n = 0; n < cols; n++) {
            scales[n] = scales[n] == 0f ? 1f : scales[n] / Q_MAX;
        }
        byte[] q = new byte[w.length];
        for (int k = 0; k < rows; k++) {
            for (int n = 0; n < cols; n++) {
                q[k * cols + n] = (byte) Math.max(-Q_MAX, Math.min(Q_MAX, Math.rint(w[k * cols + n] / scales[n])));
            }
        }
        return new QuantizedWeight(q, scales, rows, cols);
    }
}
