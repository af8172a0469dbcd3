package dev.kembed.bench;

import dev.kembed.model.checkpoint.ModelConfig;

/**
 * Floating-point operations of one forward pass, counted from the shapes the graph computes:
 * Q/K/V/output projections, FFN, and sliding-window attention as the graph does it (each query
 * block against 3w keys: scores and probabilities × values), plus the global projections when on.
 * Softmax, LayerNorm and GELU are left out (a few percent).
 */
final class FlopCount {
    private FlopCount() {}

    static double forward(ModelConfig c, int length, boolean global) {
        int m = c.padMultiple();
        double l = (double) ((length + m - 1) / m) * m;
        double h = c.hiddenSize();
        double total = 0;
        for (int layer = 0; layer < c.numLayers(); layer++) {
            double w = c.attentionWindow()[layer] / 2.0;
            total += 4 * 2 * l * h * h; // Q, K, V, output projections
            total += 2 * 2 * l * h * c.intermediateSize(); // FFN up and down
            total += 2 * 2 * l * 3 * w * h; // scores + probs·V over 3w keys per query
            if (global) {
                total += 2 * 2 * l * h * h; // key_global, value_global over every token
            }
        }
        return total;
    }
}
