package dev.kembed.engine.queue;

import dev.kembed.engine.BatchResult;
import dev.kembed.engine.EmbeddingEngine;
import dev.kembed.engine.EngineException;
import dev.kembed.engine.EngineWindow;
import dev.kembed.engine.WindowBatch;

import java.util.ArrayList;
import java.util.List;

/**
 * Runs one batch on the engine and says what became of every window, touching no lock and no
 * queue: retries a retryable failure with doubling backoff, and on a failure that remains, asks
 * the engine's health check whose fault it is. If the engine fails its check, the whole batch is
 * held (the engine is down; nothing is the windows' fault). If it passes, a single window is at
 * fault and fails alone; a larger batch is split and each window run alone, so only the window at
 * fault fails. Any {@link Throwable} counts: an {@link Error} (out of memory while results are
 * copied out) is retried like a transient failure, never lets a window vanish.
 *
 * <p>A function of the engine, the clock (for the backoff) and the engine's health (read, never
 * changed): the workers apply its {@link Outcome} under their lock.
 */
final class BatchRunner {
    /** What became of a batch: windows with results, windows that failed, windows to hold until the engine is up. */
    record Outcome(List<Ran> ran, List<Failed> failed, List<WindowQueue.Entry> held, String downReason) {
        boolean engineDown() {
            return !held.isEmpty();
        }
    }

    /** One engine call's windows, its result and timing (one per call: metrics count calls). */
    record Ran(List<WindowQueue.Entry> entries, BatchResult result) {}

    record Failed(WindowQueue.Entry entry, EngineException error) {}

    private final EmbeddingEngine engine;
    private final EngineClock clock;
    private final EngineHealth health;
    private final int retries;
    private final long backoffNanos;

    BatchRunner(EmbeddingEngine engine, EngineClock clock, EngineHealth health, int retries, long backoffNanos) {
        this.engine = engine;
        this.clock = clock;
        this.health = health;
        this.retries = retries;
        this.backoffNanos = backoffNanos;
    }

    Outcome run(List<WindowQueue.Entry> batch) {
        List<Ran> ran = new ArrayList<>();
        List<Failed> failed = new ArrayList<>();
        EngineException e = attempt(batch, ran);
        if (e == null) {
            return new Outcome(ran, failed, List.of(), null);
        }
        String checkError = e.badInput() ? null : healthCheckError();
        if (checkError != null) {
            return new Outcome(ran, failed, batch, e.getMessage() + "; health check: " + checkError);
        }
        if (batch.size() == 1) {
            failed.add(new Failed(batch.get(0), e)); // the engine serves, so this window is at fault
            return new Outcome(ran, failed, List.of(), null);
        }
        for (int i = 0; i < batch.size(); i++) {
            if (!health.up()) { // another worker found the engine down meanwhile: hold the rest
                return new Outcome(ran, failed, batch.subList(i, batch.size()), "engine marked down by another worker");
            }
            List<WindowQueue.Entry> one = List.of(batch.get(i));
            EngineException alone = attempt(one, ran);
            if (alone == null) {
                continue;
            }
            String check = alone.badInput() ? null : healthCheckError();
            if (check != null) {
                return new Outcome(ran, failed, batch.subList(i, batch.size()), alone.getMessage() + "; health check: " + check);
            }
            failed.add(new Failed(batch.get(i), alone));
        }
        return new Outcome(ran, failed, List.of(), null);
    }

    /** Runs {@code entries} with retries; adds the result to {@code ran} and returns null, or returns the failure that remained. */
    private EngineException attempt(List<WindowQueue.Entry> entries, List<Ran> ran) {
        List<EngineWindow> windows = new ArrayList<>(entries.size());
        for (WindowQueue.Entry x : entries) {
            windows.add(x.job().window());
        }
        WindowBatch batch = WindowBatch.of(windows);
        for (int attempt = 0; ; attempt++) {
            EngineException failure;
            try {
                BatchResult r = engine.embed(batch);
                if (r.windows().size() != entries.size()) {
                    throw EngineException.fatal("the engine returned " + r.windows().size() + " results for " + entries.size() + " windows", null);
                }
                ran.add(new Ran(entries, r));
                return null;
            } catch (EngineException ex) {
                failure = ex;
            } catch (RuntimeException ex) {
                failure = EngineException.fatal("engine failed unexpectedly: " + ex, ex);
            } catch (Error ex) {
                failure = EngineException.transientFailure("engine call failed with " + ex, ex);
            }
            if (!failure.retryable() || attempt >= retries) {
                return failure;
            }
            try {
                clock.sleepNanos(backoffNanos << Math.min(20, attempt));
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                return failure;
            }
        }
    }

    /** The engine's own health check: null if it serves, else what the check failed with (any Throwable). */
    String healthCheckError() {
        try {
            engine.healthCheck();
            return null;
        } catch (Throwable t) { // a health check that throws an Error is a failed check, not a dead worker
            return t.getMessage() != null ? t.getMessage() : t.toString();
        }
    }
}
