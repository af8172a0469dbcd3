package dev.kembed.model.checkpoint;

import java.util.Arrays;

/** A dense row-major float32 tensor: what every checkpoint format is converted into. */
public record FloatTensor(int[] shape, float[] data) {
    public FloatTensor {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        if (n != data.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + n + " values, got " + data.length);
        }
    }

    public int dim(int i) {
        return shape[i];
    }

    public String shapeString() {
        return Arrays.toString(shape);
    }

    public long[] longShape() {
        return Arrays.stream(shape).asLongStream().toArray();
    }

    /** The transpose of a 2-D tensor: HF Linear weights are [out, in], MatMul wants [in, out]. */
    public FloatTensor transpose2d() {
        int r = shape[0];
        int c = shape[1];
        float[] t = new float[data.length];
        for (int i = 0; i < r; i++) {
            for (int j = 0; j < c; j++) {
                t[j * r + i] = data[i * c + j];
            }
        }
        return new FloatTensor(new int[] {c, r}, t);
    }

    public FloatTensor scaled(float s) {
        float[] t = data.clone();
        for (int i = 0; i < t.length; i++) {
            t[i] *= s;
        }
        return new FloatTensor(shape.clone(), t);
    }

    /** Row {@code i} of a 2-D tensor. */
    public float[] row(int i) {
        return Arrays.copyOfRange(data, i * shape[1], (i + 1) * shape[1]);
    }

    /** Rows {@code [from, to)} of a 2-D tensor (a fused q/k/v projection split at build time), or elements of a 1-D one. */
    public FloatTensor rows(int from, int to) {
        int cols = shape.length == 2 ? shape[1] : 1;
        float[] out = java.util.Arrays.copyOfRange(data, from * cols, to * cols);
        return new FloatTensor(shape.length == 2 ? new int[] {to - from, cols} : new int[] {to - from}, out);
    }
}
