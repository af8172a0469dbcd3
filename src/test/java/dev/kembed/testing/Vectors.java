package dev.kembed.testing;

import static org.assertj.core.api.Assertions.assertThat;

/** Comparing embedding vectors in tests. */
public final class Vectors {
    private Vectors() {}

    /** The largest absolute difference of two vectors of the same length (asserted). */
    public static double maxDiff(float[] a, float[] b) {
        assertThat(a).hasSameSizeAs(b);
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }

    /** A JSON array of numbers as floats. */
    public static float[] floats(com.fasterxml.jackson.databind.JsonNode arr) {
        float[] v = new float[arr.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) arr.get(i).asDouble();
        }
        return v;
    }

    public static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }

    /** The cosine of two vectors of the same length (asserted), in double precision. */
    public static double cosine(float[] a, float[] b) {
        assertThat(a).hasSameSizeAs(b);
        double ab = 0;
        double aa = 0;
        double bb = 0;
        for (int i = 0; i < a.length; i++) {
            ab += (double) a[i] * b[i];
            aa += (double) a[i] * a[i];
            bb += (double) b[i] * b[i];
        }
        return ab / Math.sqrt(aa * bb);
    }
}
