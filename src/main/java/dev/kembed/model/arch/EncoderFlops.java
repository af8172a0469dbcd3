package dev.kembed.model.arch;

/**
 * The FLOP count every architecture's {@code forwardFlops} is made of, counted from the shapes the
 * graph computes: Q/K/V/output projections, the FFN's projections, banded attention as the graph
 * does it (each query block against 3w keys: scores and probabilities × values) or full attention
 * (every key), plus the global projections when on.
 */
final class EncoderFlops {
    private EncoderFlops() {}

    /** @param ffnMatrices the FFN's H×I projections: 2 (up, down), 3 for gated ones (two up) */
    static double of(ModelConfig c, int length, boolean global, int ffnMatrices) {
        int m = c.padMultiple();
        double l = (double) ((length + m - 1) / m) * m;
        double h = c.hiddenSize();
        double total = 0;
        for (int layer = 0; layer < c.numLayers(); layer++) {
            double w = c.attentionWindow()[layer] / 2.0;
            total += 4 * 2 * l * h * h; // Q, K, V, output projections
            total += ffnMatrices * 2 * l * h * c.intermediateSize(); // FFN: up (two of them when gated) and down
            total += 2 * 2 * l * (w == 0 ? l : 3 * w) * h; // scores + probs·V: 3w keys per query in a band, every key in full attention
            if (global) {
                total += 2 * 2 * l * h * h; // key_global, value_global over every token
            }
        }
        return total;
    }
}
