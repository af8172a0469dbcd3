package dev.kembed.engine;

/**
 * How batches are cut, as plain numbers (shaped like text-embeddings-inference's
 * {@code max_batch_tokens}): windows are grouped by padded length bucket (multiples of
 * {@code bucketTokens}), and a batch holds at most {@code maxTokens} padded tokens
 * (bucket length × windows) and {@code maxWindows} windows. A bucket is ready when it can fill
 * a batch or its oldest window has waited {@code maxWaitMs}.
 */
public record BatchPolicy(int maxTokens, int maxWindows, long maxWaitMs, int bucketTokens) {
    public BatchPolicy {
        if (maxTokens <= 0 || maxWindows <= 0 || maxWaitMs < 0 || bucketTokens <= 0) {
            throw new IllegalArgumentException("batch sizes must be positive: " + maxTokens + ", " + maxWindows + ", " + maxWaitMs + ", " + bucketTokens);
        }
    }

    /** The padded length a window of {@code length} tokens is batched at. */
    public int bucket(int length) {
        return (length + bucketTokens - 1) / bucketTokens * bucketTokens;
    }

    /** How many windows of this bucket fit one batch (always at least one). */
    public int capacity(int bucketLength) {
        return Math.max(1, Math.min(maxWindows, maxTokens / bucketLength));
    }
}
