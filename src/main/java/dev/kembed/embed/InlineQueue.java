package dev.kembed.embed;

import dev.kembed.engine.BatchResult;
import dev.kembed.engine.EmbeddingEngine;
import dev.kembed.engine.EngineException;
import dev.kembed.engine.EngineWindow;
import dev.kembed.engine.WindowBatch;
import dev.kembed.engine.WindowResult;
import dev.kembed.engine.queue.BatchPolicy;
import dev.kembed.engine.queue.EngineClock;
import dev.kembed.engine.queue.EngineListener;
import dev.kembed.engine.queue.EngineWorkers;
import dev.kembed.engine.queue.TaskHandle;
import dev.kembed.engine.queue.WaitBudget;
import dev.kembed.engine.queue.WindowJob;
import dev.kembed.engine.queue.WindowQueue;
import java.util.List;
import java.util.function.Function;

/**
 * The stream's engine queue ({@link WindowQueue} and {@link EngineWorkers}) with no worker threads,
 * run on the caller's thread: {@code kembed embed}'s windows are batched by the same queue and
 * batch policy as the stream's, so batching stays the queue's job alone. A call offers its
 * windows to the queue's priority lane and runs batches until every result is in. One call at a
 * time; an engine failure throws, as the engine itself would.
 */
public final class InlineQueue implements Function<WindowBatch, BatchResult> {
    /** Backoff before the engine is checked again after it failed (no retries: a failure surfaces at once, as without a queue). */
    private static final long RECHECK_MS = 100;

    private final EngineWorkers workers;
    private long calls;

    /** @param batchTokens padded tokens per engine call */
    public InlineQueue(EmbeddingEngine engine, int batchTokens) {
        if (batchTokens <= 0) {
            throw new IllegalArgumentException("--batch-tokens must be positive, got " + batchTokens);
        }
        BatchPolicy policy = BatchPolicy.forEngine(engine.info(), batchTokens, Integer.MAX_VALUE, 0, 0, engine.info().maxTokens());
        this.workers = new EngineWorkers(engine, new WindowQueue(policy, Integer.MAX_VALUE), 0, 0, RECHECK_MS, 0, EngineClock.SYSTEM,
                EngineListener.NONE);
    }

    /** The batch's results in window order. */
    @Override
    public synchronized BatchResult apply(WindowBatch batch) {
        List<EngineWindow> windows = batch.windows();
        WindowResult[] results = new WindowResult[windows.size()];
        EngineException[] failure = new EngineException[1];
        int[] left = {windows.size()};
        String name = "inline-" + ++calls;
        TaskHandle owner = workers.registerQuery(name, c -> {
            if (c.failed()) {
                failure[0] = failure[0] != null ? failure[0] : EngineException.badWindow(c.reason(), c.error());
            } else {
                results[c.job().windowIndex()] = c.result();
                left[0]--;
            }
        });
        long start = System.nanoTime();
        try {
            for (int i = 0; i < windows.size(); i++) {
                workers.offer(owner, new WindowJob(name, 0, i, windows.get(i), -1), WaitBudget.none());
            }
            while (left[0] > 0 && failure[0] == null) {
                boolean wasUp = workers.health().up();
                if (!workers.step() || (wasUp && !workers.health().up())) {
                    throw EngineException.transientFailure(workers.health().describe(), null);
                }
            }
        } finally {
            workers.abandon(owner); // drops whatever is still queued (a failure)
        }
        if (failure[0] != null) {
            throw failure[0];
        }
        return new BatchResult(List.of(results), System.nanoTime() - start, batch.tokens());
    }
}
