package dev.kembed.engine.queue;

import dev.kembed.engine.EmbeddingEngine;
import dev.kembed.engine.EngineInfo;

/**
 * How the engine queue batches and its workers run, as typed numbers (the app's config layer
 * validates them).
 *
 * @param batchMaxTokens   padded tokens per batch (0 = as the engine batches best, {@link BatchPolicy#autoTokens})
 * @param bucketTokens     length-bucket width (0 = the engine's attention window)
 * @param queueMaxWindows  windows queued across the process before submitters wait
 * @param queueMaxBlockMs  the longest a submitter waits for space
 * @param threads          workers calling the engine concurrently
 * @param retries          retries of a transient failure
 * @param retryBackoffMs   first retry delay; doubles per retry; also the first pause while the engine is down
 * @param scheduling       which queued window runs next
 * @param queueMaxDelayMs  shortest-first: a window that waited this long goes first whatever its document's size
 * @param callTimeoutMs    how long one engine call may run before the engine counts as hung (0 = from the call's shape, {@link CallDeadline})
 * @param hungMaxReopens   fresh engine instances a process may open after hung calls; one more hang gives up
 * @param documentShare    documents' share of the engine while queries and documents both wait ({@link DocumentShare})
 */
public record WorkerSettings(int batchMaxTokens, int batchMaxWindows, long batchMaxWaitMs, int bucketTokens, int queueMaxWindows,
        long queueMaxBlockMs, int threads, int retries, long retryBackoffMs, SchedulingPolicy scheduling, long queueMaxDelayMs,
        long callTimeoutMs, int hungMaxReopens, double documentShare) {

    /** These settings with batches of at most {@code tokens} padded tokens. */
    public WorkerSettings withBatchMaxTokens(int tokens) {
        return new WorkerSettings(tokens, batchMaxWindows, batchMaxWaitMs, bucketTokens, queueMaxWindows, queueMaxBlockMs, threads, retries,
                retryBackoffMs, scheduling, queueMaxDelayMs, callTimeoutMs, hungMaxReopens, documentShare);
    }

    /** @param windowTokens the longest window the plan cuts */
    public BatchPolicy policy(EngineInfo engine, int windowTokens) {
        return BatchPolicy.forEngine(engine, batchMaxTokens, batchMaxWindows, batchMaxWaitMs, bucketTokens, windowTokens);
    }

    /**
     * Starts the workers on {@code engine}'s queue; the caller stops them before it closes the
     * engine they run then ({@link EngineWorkers#engine()}), and never closes one they abandoned.
     *
     * @param opener opens a fresh instance of the engine after a hung call
     */
    public EngineWorkers start(EmbeddingEngine engine, EngineOpener opener, BatchPolicy policy, EngineListener listener) {
        return new EngineWorkers(engine, opener, new WindowQueue(policy, queueMaxWindows, scheduling, queueMaxDelayMs, documentShare), threads, retries,
                retryBackoffMs, queueMaxBlockMs, new CallDeadline(callTimeoutMs), hungMaxReopens, EngineClock.SYSTEM, listener);
    }

    /**
     * Starts one worker that runs {@code engine}'s queue only while {@code live} has nothing to do
     * (a rollout behind the live pipeline): one, so that no two of its batches can start just
     * before live work arrives; {@code policy} should hold one maximal window per batch.
     */
    public EngineWorkers startBehind(EmbeddingEngine engine, EngineOpener opener, BatchPolicy policy, EngineListener listener, LiveWork live) {
        return new EngineWorkers(engine, opener, new WindowQueue(policy, queueMaxWindows, scheduling, queueMaxDelayMs, documentShare), 1, retries,
                retryBackoffMs, queueMaxBlockMs, new CallDeadline(callTimeoutMs), hungMaxReopens, EngineClock.SYSTEM, listener, live);
    }
}
