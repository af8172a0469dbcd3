package dev.kembed.text;

/**
 * Folds per-window results into one document vector. It keeps only a running sum and a weight,
 * never the window vectors, so the state a stream keeps per document is one vector wide.
 */
public final class DocumentPooler {
    private final Pooling pooling;
    private final double[] acc;
    private double weight;

    public DocumentPooler(Pooling pooling, int dimension) {
        this.pooling = pooling;
        this.acc = new double[dimension];
    }

    /** Resumes from stored state. */
    public DocumentPooler(Pooling pooling, double[] acc, double weight) {
        this.pooling = pooling;
        this.acc = acc.clone();
        this.weight = weight;
    }

    /**
     * @param cls         the window's first-token state
     * @param sum         sum of the states of the tokens the window owns
     * @param count       how many tokens that sum covers
     * @param ownedTokens the same count, as the window plan says (weights CLS and last-token pooling)
     */
    public void add(float[] cls, float[] sum, float count, int ownedTokens) {
        if (pooling == Pooling.MEAN) {
            for (int i = 0; i < acc.length; i++) {
                acc[i] += sum[i];
            }
            weight += count;
        } else if (pooling == Pooling.LAST) { // the engine pooled the last token alone: sum / count is its state
            for (int i = 0; i < acc.length; i++) {
                acc[i] += (double) sum[i] / count * ownedTokens;
            }
            weight += ownedTokens;
        } else {
            for (int i = 0; i < acc.length; i++) {
                acc[i] += (double) cls[i] * ownedTokens;
            }
            weight += ownedTokens;
        }
    }

    public double[] accumulated() {
        return acc.clone();
    }

    public double weight() {
        return weight;
    }

    public float[] result(boolean normalize) {
        if (weight <= 0) {
            throw new IllegalStateException("no tokens were pooled");
        }
        float[] out = new float[acc.length];
        double norm = 0;
        for (int i = 0; i < acc.length; i++) {
            double v = acc[i] / weight;
            out[i] = (float) v;
            norm += v * v;
        }
        if (normalize && norm > 0) {
            double inv = 1.0 / Math.sqrt(norm);
            for (int i = 0; i < out.length; i++) {
                out[i] = (float) (out[i] * inv);
            }
        }
        return out;
    }
}
