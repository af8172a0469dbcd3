package dev.kembed.engine.queue;

import dev.kembed.engine.EngineInfo;
import dev.kembed.engine.ShapeBuckets;

/**
 * How batches are cut, as plain numbers (shaped like text-embeddings-inference's
 * {@code max_batch_tokens}): windows are grouped by padded-length bucket, and a batch holds at most
 * {@code maxTokens} padded tokens (bucket length × windows) and {@code maxWindows} windows. A
 * bucket is ready when it can fill a batch or its oldest window has waited {@code maxWaitMs}.
 *
 * <p>Buckets are multiples of {@code bucketTokens}, or, for a static-shape engine, exactly the
 * lengths it was built for ({@code shapes}, from its info: {@link #forEngine}), so such an engine
 * only ever sees its own shapes.
 */
public record BatchPolicy(int maxTokens, int maxWindows, long maxWaitMs, int bucketTokens, ShapeBuckets shapes) {
    public BatchPolicy {
        if (maxTokens <= 0 || maxWindows <= 0 || maxWaitMs < 0 || bucketTokens <= 0) {
            throw new IllegalArgumentException("batch sizes must be positive: " + maxTokens + ", " + maxWindows + ", " + maxWaitMs + ", " + bucketTokens);
        }
    }

    public BatchPolicy(int maxTokens, int maxWindows, long maxWaitMs, int bucketTokens) {
        this(maxTokens, maxWindows, maxWaitMs, bucketTokens, ShapeBuckets.ANY_LENGTH);
    }

    /** The token budget of engines where batching raises throughput and that declare no batch size. */
    public static final int DEFAULT_BATCHING_TOKENS = 16384;

    /**
     * The bucket width of models that attend fully (no band, pad multiple 1): windows within 8
     * tokens of each other share a batch, padded to its longest, so a batch wastes at most 7 tokens
     * a window, where exact lengths would leave almost every short text in a batch alone (32 wasted
     * 5 % on short passages, measured by bench stream's padding efficiency).
     */
    public static final int FULL_ATTENTION_BUCKET = 8;

    /**
     * The policy for an engine: its static lengths and batch size bound the buckets and batches.
     *
     * @param maxTokens    padded tokens per batch; 0 = {@link #autoTokens}
     * @param bucketTokens bucket width; 0 = the engine's pad multiple (its attention window), or
     *                     {@link #FULL_ATTENTION_BUCKET} for a model without a band
     * @param windowTokens the longest window the plan cuts (what "one maximal window" means)
     */
    public static BatchPolicy forEngine(EngineInfo info, int maxTokens, int maxWindows, long maxWaitMs, int bucketTokens, int windowTokens) {
        int windows = info.maxBatch() > 0 ? Math.min(maxWindows, info.maxBatch()) : maxWindows;
        int width = bucketTokens > 0 ? bucketTokens : info.padMultiple() > 1 ? info.padMultiple() : FULL_ATTENTION_BUCKET;
        BatchPolicy shape = new BatchPolicy(Integer.MAX_VALUE, windows, maxWaitMs, width, info.shapeBuckets());
        int tokens = maxTokens > 0 ? maxTokens : autoTokens(info, shape.bucket(Math.min(windowTokens, info.maxTokens())));
        return new BatchPolicy(tokens, windows, maxWaitMs, width, info.shapeBuckets());
    }

    /**
     * The least default budget of a CPU engine: windows of models with short limits (BERT's 512,
     * a sentence-transformers directory's 256) share calls up to this many tokens, so a stream of
     * short documents is not run one small window per call; a call still takes well under a second
     * on such a model.
     */
    public static final int CPU_MIN_BATCH_TOKENS = 2048;

    /**
     * The default token budget. Where more windows per call do not raise throughput (CPU engines),
     * one maximal window (at least {@link #CPU_MIN_BATCH_TOKENS}), so no call holds the engine much
     * longer than one window and a short document waits at most that long. Where they do: a full
     * batch of the largest static shape, else {@link #DEFAULT_BATCHING_TOKENS} (at least one maximal
     * window).
     */
    static int autoTokens(EngineInfo info, int maximalWindowBucket) {
        if (!info.batchingHelps()) {
            return Math.max(maximalWindowBucket, CPU_MIN_BATCH_TOKENS);
        }
        if (info.maxBatch() > 0 && !info.shapeBuckets().isEmpty()) {
            return info.maxBatch() * info.shapeBuckets().largest();
        }
        return Math.max(DEFAULT_BATCHING_TOKENS, maximalWindowBucket);
    }

    /** The padded length a window of {@code length} tokens is batched at. */
    public int bucket(int length) {
        if (!shapes.isEmpty()) {
            return shapes.bucket(length);
        }
        return (length + bucketTokens - 1) / bucketTokens * bucketTokens;
    }

    /** How many windows of this bucket fit one batch (always at least one). */
    public int capacity(int bucketLength) {
        return Math.max(1, Math.min(maxWindows, maxTokens / bucketLength));
    }

    /**
     * Null, or why batches of some static length cannot reach the engine's batch size: an engine
     * with static shapes (TensorRT) computes a full batch whatever it is given, so a token budget
     * smaller than batch × length only leaves filler rows in every call.
     */
    public String underfills(int engineBatch) {
        for (int l : shapes.lengths()) {
            if (engineBatch > 0 && capacity(l) < engineBatch) {
                return "holds " + capacity(l) + " windows of the " + l + "-token bucket, but the engine runs " + engineBatch
                        + " per call (the rest are filler rows); " + (long) engineBatch * shapes.largest()
                        + " tokens fill every bucket";
            }
        }
        return null;
    }

    /** Null if a batch can hold one window of {@code windowTokens}; else why not (for a start-up error). */
    public String checkHolds(int windowTokens) {
        int longest = bucket(windowTokens);
        return maxTokens < longest ? "cannot hold one full window (" + longest + " padded tokens)" : null;
    }
}
