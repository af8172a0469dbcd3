package dev.kembed.engine;

/**
 * How the engine queue batches and its workers run, as typed numbers (the app's config layer
 * validates them).
 *
 * @param batchMaxTokens   padded tokens per batch
 * @param bucketTokens     length-bucket width (0 = the engine's attention window)
 * @param queueMaxWindows  windows queued across the process before submitters wait
 * @param queueMaxBlockMs  the longest a submitter waits for space
 * @param threads          workers calling the engine concurrently
 * @param retries          retries of a transient failure
 * @param retryBackoffMs   first retry delay; doubles per retry; also the first pause while the engine is down
 */
public record WorkerSettings(int batchMaxTokens, int batchMaxWindows, long batchMaxWaitMs, int bucketTokens, int queueMaxWindows,
        long queueMaxBlockMs, int threads, int retries, long retryBackoffMs) {

    public BatchPolicy policy(EngineInfo engine) {
        return BatchPolicy.forEngine(engine, batchMaxTokens, batchMaxWindows, batchMaxWaitMs, bucketTokens);
    }

    /** Starts the workers on {@code engine}'s queue; the caller closes them before the engine. */
    public EngineWorkers start(EmbeddingEngine engine, EngineListener listener) {
        return new EngineWorkers(engine, new WindowQueue(policy(engine.info()), queueMaxWindows), threads, retries, retryBackoffMs,
                queueMaxBlockMs, EngineClock.SYSTEM, listener);
    }
}
