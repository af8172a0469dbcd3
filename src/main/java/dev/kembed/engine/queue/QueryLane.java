package dev.kembed.engine.queue;

import dev.kembed.engine.BatchResult;
import dev.kembed.engine.EngineException;
import dev.kembed.engine.EngineWindow;
import dev.kembed.engine.WindowBatch;
import dev.kembed.engine.WindowResult;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs a query's windows on the shared engine queue's priority lane and waits for them: the same
 * engine, workers, retries and health as the stream's documents, but served before any queued
 * document window. Thread-safe; each call is its own owner, so concurrent queries round-robin.
 */
public final class QueryLane {
    private final EngineWorkers workers;
    private final Duration timeout;
    private final AtomicLong ids = new AtomicLong();

    /** @param timeout the longest a query waits for its windows (the engine may be down) */
    public QueryLane(EngineWorkers workers, Duration timeout) {
        this.workers = workers;
        this.timeout = timeout;
    }

    /**
     * The batch's results in window order.
     *
     * @throws EngineException a window failed ({@link EngineException.Kind#BAD_WINDOW}, its
     *                         reason), or the results did not come within the timeout
     *                         ({@link EngineException.Kind#TRANSIENT}: the engine is down or busy)
     */
    public BatchResult run(WindowBatch batch) {
        List<EngineWindow> windows = batch.windows();
        WindowResult[] results = new WindowResult[windows.size()];
        AtomicInteger left = new AtomicInteger(windows.size());
        CompletableFuture<Void> done = new CompletableFuture<>();
        String name = "query-" + ids.incrementAndGet();
        TaskHandle owner = workers.registerQuery(name, c -> {
            if (c.failed()) {
                done.completeExceptionally(EngineException.badWindow(c.reason(), c.error()));
                return;
            }
            results[c.job().windowIndex()] = c.result();
            if (left.decrementAndGet() == 0) {
                done.complete(null);
            }
        });
        long start = System.nanoTime();
        try {
            for (int i = 0; i < windows.size(); i++) {
                if (!workers.offer(owner, new WindowJob(name, 0, i, windows.get(i), -1, batch.tokenStates()), WaitBudget.none())) {
                    throw EngineException.transientFailure("the engine is shutting down", null);
                }
            }
            done.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw EngineException.transientFailure("no result within " + timeout.toMillis() + " ms (" + workers.health().describe() + ")", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof EngineException ee ? ee : EngineException.transientFailure(e.getCause().toString(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw EngineException.transientFailure("interrupted while waiting for the engine", e);
        } finally {
            workers.abandon(owner); // drops whatever is still queued (a failure or a timeout)
        }
        return new BatchResult(List.of(results), System.nanoTime() - start, batch.tokens());
    }
}
