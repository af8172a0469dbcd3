package dev.kembed.bench;

import dev.kembed.model.checkpoint.ModelConfig;

/**
 * Floating-point operations of one forward pass, counted from the shapes the graph computes:
 * Q/K/V/output projections, FFN (gated ones with two up projections), sliding-window attention as
 * the graph does it (each query block against 3w keys: scores and probabilities × values) or full
 * attention (every key), plus the global projections when on.
 * Softmax, LayerNorm and GELU are left out (a few percent).
 */
final class FlopCount {
    private FlopCount() {}

    /** GeGLU (ModernBERT) and SwiGLU (NomicBERT) have two up projections. */
    private static boolean gated(ModelConfig c) {
        return c.family() == dev.kembed.model.checkpoint.ModelFamily.MODERNBERT || c.family() == dev.kembed.model.checkpoint.ModelFamily.NOMIC_BERT;
    }

    static double forward(ModelConfig c, int length, boolean global) {
        int m = c.padMultiple();
        double l = (double) ((length + m - 1) / m) * m;
        double h = c.hiddenSize();
        double total = 0;
        for (int layer = 0; layer < c.numLayers(); layer++) {
            double w = c.attentionWindow()[layer] / 2.0;
            total += 4 * 2 * l * h * h; // Q, K, V, output projections
            total += (gated(c) ? 3 : 2) * 2 * l * h * c.intermediateSize(); // FFN: up (two of them when gated) and down
            total += 2 * 2 * l * (w == 0 ? l : 3 * w) * h; // scores + probs·V: 3w keys per query in a band, every key in full attention
            if (global) {
                total += 2 * 2 * l * h * h; // key_global, value_global over every token
            }
        }
        return total;
    }
}
