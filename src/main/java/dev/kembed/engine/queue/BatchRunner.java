package dev.kembed.engine.queue;

import dev.kembed.engine.BatchResult;
import dev.kembed.engine.EngineException;
import dev.kembed.engine.EngineWindow;
import dev.kembed.engine.WindowBatch;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntUnaryOperator;

/**
 * Runs one batch on the engine and says what became of every window, touching no lock and no
 * queue: retries a retryable failure with doubling backoff, and on a failure that remains, asks
 * the engine's health check whose fault it is. If the engine fails its check, the whole batch is
 * held (the engine is down; nothing is the windows' fault). If it passes, a single window is at
 * fault and fails alone; a larger batch is split and each window run alone, so only the window at
 * fault fails. Any {@link Throwable} counts: an {@link Error} (out of memory while results are
 * copied out) is retried like a transient failure, never lets a window vanish.
 *
 * <p>A function of the unit's engine instance, the clock (for the backoff) and the engine's health
 * (read, never changed): the workers apply its {@link Outcome} under their lock. Every engine call
 * is entered in its {@link RunningUnit} with a {@link CallDeadline}; a call the watchdog gave up
 * meanwhile ends the run with {@link RunningUnit.Abandoned}, delivering nothing (its batch is
 * already back in the queue).
 */
final class BatchRunner {
    /** What became of a batch: windows with results, windows that failed, windows to hold until the engine is up. */
    record Outcome(List<Ran> ran, List<Failed> failed, List<WindowQueue.Entry> held, String downReason) {
        boolean engineDown() {
            return !held.isEmpty();
        }
    }

    /**
     * One engine call's windows, its result and timing (one per call: metrics count calls).
     *
     * @param callNanos    the call's wall time, measured around it on the workers' clock
     * @param paddedTokens windows × the length they were padded to
     */
    record Ran(List<WindowQueue.Entry> entries, BatchResult result, long callNanos, long paddedTokens) {}

    record Failed(WindowQueue.Entry entry, EngineException error) {}

    private final EngineClock clock;
    private final EngineHealth health;
    private final int retries;
    private final long backoffNanos;
    private final CallDeadline deadline;
    private final IntUnaryOperator bucket;

    /** @param bucket the padded length a window of a length runs at (the batch policy's) */
    BatchRunner(EngineClock clock, EngineHealth health, int retries, long backoffNanos, CallDeadline deadline, IntUnaryOperator bucket) {
        this.clock = clock;
        this.health = health;
        this.retries = retries;
        this.backoffNanos = backoffNanos;
        this.deadline = deadline;
        this.bucket = bucket;
    }

    /** Runs {@code batch} on {@code unit}'s engine; throws {@link RunningUnit.Abandoned} if the watchdog gave up one of its calls. */
    Outcome run(List<WindowQueue.Entry> batch, RunningUnit unit) {
        List<Ran> ran = new ArrayList<>();
        List<Failed> failed = new ArrayList<>();
        EngineException e = attempt(batch, ran, unit);
        if (e == null) {
            return new Outcome(ran, failed, List.of(), null);
        }
        String checkError = e.badInput() ? null : healthCheckError(unit);
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
            EngineException alone = attempt(one, ran, unit);
            if (alone == null) {
                continue;
            }
            String check = alone.badInput() ? null : healthCheckError(unit);
            if (check != null) {
                return new Outcome(ran, failed, batch.subList(i, batch.size()), alone.getMessage() + "; health check: " + check);
            }
            failed.add(new Failed(batch.get(i), alone));
        }
        return new Outcome(ran, failed, List.of(), null);
    }

    /** Runs {@code entries} with retries; adds the result to {@code ran} and returns null, or returns the failure that remained. */
    private EngineException attempt(List<WindowQueue.Entry> entries, List<Ran> ran, RunningUnit unit) {
        List<EngineWindow> windows = new ArrayList<>(entries.size());
        for (WindowQueue.Entry x : entries) {
            windows.add(x.job().window());
        }
        boolean states = entries.stream().anyMatch(x -> x.job().tokenStates());
        WindowBatch batch = new WindowBatch(windows, states);
        int padded = bucket.applyAsInt(batch.maxLength());
        long callNanos = deadline.nanos(unit.engine().info(), windows.size(), padded);
        String shape = "engine call of " + windows.size() + " windows / " + (long) windows.size() * padded + " padded tokens";
        for (int attempt = 0; ; attempt++) {
            EngineException failure = null;
            BatchResult r = null;
            long started = clock.nanoTime();
            unit.enterCall(started, callNanos, shape);
            try {
                r = unit.engine().embed(batch);
            } catch (EngineException ex) {
                failure = ex;
            } catch (RuntimeException ex) {
                failure = EngineException.fatal("engine failed unexpectedly: " + ex, ex);
            } catch (Error ex) {
                failure = EngineException.transientFailure("engine call failed with " + ex, ex);
            }
            unit.leaveCall(); // outside the catches: a call given up meanwhile ends the run, whatever it returned
            if (failure == null && r.windows().size() != entries.size()) {
                failure = EngineException.fatal("the engine returned " + r.windows().size() + " results for " + entries.size() + " windows", null);
            }
            if (failure == null) {
                ran.add(new Ran(entries, r, clock.nanoTime() - started, (long) windows.size() * padded));
                return null;
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

    /**
     * The engine's own health check on {@code unit}'s instance: null if it serves, else what the
     * check failed with (any Throwable); {@link RunningUnit.Abandoned} if the watchdog gave it up.
     */
    String healthCheckError(RunningUnit unit) {
        String error = null;
        unit.enterCall(clock.nanoTime(), deadline.nanos(unit.engine().info(), 1, bucket.applyAsInt(2)), "engine health check");
        try {
            unit.engine().healthCheck();
        } catch (Throwable t) { // a health check that throws an Error is a failed check, not a dead worker
            error = t.getMessage() != null ? t.getMessage() : t.toString();
        }
        unit.leaveCall();
        return error;
    }
}
