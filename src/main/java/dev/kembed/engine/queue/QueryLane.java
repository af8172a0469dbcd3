package dev.kembed.engine.queue;

import dev.kembed.engine.BatchResult;
import dev.kembed.engine.EngineException;
import dev.kembed.engine.EngineWindow;
import dev.kembed.engine.WindowBatch;
import dev.kembed.engine.WindowResult;
import dev.kembed.error.OverloadedException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs a query's windows on the shared engine queue's priority lane and waits for them: the same
 * engine, workers, retries and health as the stream's documents, served ahead of queued document
 * windows (less the documents' share, {@link DocumentShare}). Thread-safe; each call is its own
 * owner, so concurrent queries round-robin.
 *
 * <p>The lane is bounded in padded tokens: a query whose windows would take it past
 * {@code maxQueuedTokens} is refused at once ({@link OverloadedException}: 429, retry later), never
 * queued to wait past its timeout; an empty lane takes any query, so one larger than the bound runs
 * alone rather than never. Every failure that is not the query's own fault is retryable (503):
 * a timeout (engine down or busy), the workers closing, and an engine failure on a window while
 * the engine's health check passes (for a document that is dead-lettered; a query's client can
 * retry). A window the engine refuses for its shape stays bad input.
 */
public final class QueryLane {
    private final EngineWorkers workers;
    private final Duration timeout;
    private final long maxQueuedTokens;
    private final AtomicLong ids = new AtomicLong();

    /**
     * @param timeout         the longest a query waits for its windows (the engine may be down)
     * @param maxQueuedTokens padded tokens the lane may hold when a query arrives ({@code kembed.http.max.queued.tokens})
     */
    public QueryLane(EngineWorkers workers, Duration timeout, long maxQueuedTokens) {
        if (maxQueuedTokens <= 0) {
            throw new IllegalArgumentException("the lane's token bound must be positive, got " + maxQueuedTokens);
        }
        this.workers = workers;
        this.timeout = timeout;
        this.maxQueuedTokens = maxQueuedTokens;
    }

    public long maxQueuedTokens() {
        return maxQueuedTokens;
    }

    /**
     * Refuses at once while the lane is full, before a request spends CPU on tokenizing: the same
     * answer {@link #run} would give any query then, only cheaper.
     *
     * @throws OverloadedException the lane already holds {@code maxQueuedTokens} or more
     */
    public void checkRoom() {
        long queued = workers.queuedQueryTokens();
        if (queued >= maxQueuedTokens) {
            throw overloaded(queued, -1);
        }
    }

    /**
     * The batch's results in window order.
     *
     * @throws OverloadedException the lane is full: nothing was queued
     * @throws EngineException     a window the engine refuses ({@link EngineException.Kind#BAD_INPUT}, its reason), or
     *                             a retryable failure: no results within the timeout (the engine is down or busy), the
     *                             workers closing, the engine failing on a window
     */
    public BatchResult run(WindowBatch batch) {
        List<EngineWindow> windows = batch.windows();
        WindowResult[] results = new WindowResult[windows.size()];
        AtomicInteger left = new AtomicInteger(windows.size());
        CompletableFuture<Void> done = new CompletableFuture<>();
        String name = "query-" + ids.incrementAndGet();
        TaskHandle owner = workers.registerQuery(name, c -> {
            if (c.failed()) {
                done.completeExceptionally(failureOf(c));
                return;
            }
            results[c.job().windowIndex()] = c.result();
            if (left.decrementAndGet() == 0) {
                done.complete(null);
            }
        });
        long start = System.nanoTime();
        try {
            List<WindowJob> jobs = new ArrayList<>(windows.size());
            for (int i = 0; i < windows.size(); i++) {
                jobs.add(new WindowJob(name, 0, i, windows.get(i), -1, batch.tokenStates()));
            }
            if (!workers.offerQuery(owner, jobs, maxQueuedTokens)) {
                throw overloaded(workers.queuedQueryTokens(), batch.tokens());
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

    private OverloadedException overloaded(long queued, long need) {
        return new OverloadedException("the query lane holds " + queued + " padded tokens, " + (need >= 0 ? "this request needs about " + need
                + " more, " : "") + "the most it queues is " + maxQueuedTokens + " (kembed.http.max.queued.tokens); retry later");
    }

    /**
     * A failed window as the query's caller sees it: an engine failure (the engine serves, yet failed on this window) is
     * retryable, as a query's client can retry it and nothing says the input is wrong; a window the engine refuses for
     * what it is ({@code window-too-long}) stays bad input.
     */
    static EngineException failureOf(Completion c) {
        if (EngineException.ENGINE_FAILURE.equals(c.reason())) {
            return EngineException.transientFailure("the engine failed on this query: " + c.error(), null);
        }
        return EngineException.badWindow(c.reason(), c.error());
    }
}
