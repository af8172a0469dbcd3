package dev.kembed.engine.queue;

import java.util.concurrent.TimeUnit;

/**
 * Is the engine serving? One answer in one place (like text-embeddings-inference's health
 * watcher), read by {@code /health/ready} and the {@code kembed_engine_up} gauge.
 *
 * <p>The engine is marked down when a window fails and the engine's own {@link
 * EmbeddingEngine#healthCheck()} fails right after: then the fault is the engine's, not the
 * window's. While down, no work is taken; the check is re-run with pauses that double from
 * {@code firstPauseMs} up to {@code maxPauseMs}; the first passing check marks it up again. A call
 * past its deadline marks it down too ({@link HangWatch}); when no fresh engine instance is left
 * to open, the workers give up and it stays down for good.
 */
public final class EngineHealth {
    public enum State { UP, DOWN }

    private final EngineClock clock;
    private final long firstPauseNanos;
    private final long maxPauseNanos;
    private State state = State.UP;
    private int failedChecks;
    private long nextCheckAt;
    private long downSinceNanos;
    private String lastError;
    private String gaveUpReason;

    public EngineHealth(EngineClock clock, long firstPauseMs, long maxPauseMs) {
        this.clock = clock;
        this.firstPauseNanos = TimeUnit.MILLISECONDS.toNanos(Math.max(1, firstPauseMs));
        this.maxPauseNanos = TimeUnit.MILLISECONDS.toNanos(Math.max(firstPauseMs, maxPauseMs));
    }

    public synchronized State state() {
        return state;
    }

    public synchronized boolean up() {
        return state == State.UP;
    }

    /** A failed check: down (again), next check after a pause twice the last one. Returns the pause in ms. */
    synchronized long markDown(String error) {
        long now = clock.nanoTime();
        if (state == State.UP) {
            downSinceNanos = now;
        }
        state = State.DOWN;
        lastError = error;
        long pause = Math.min(maxPauseNanos, firstPauseNanos << Math.min(30, failedChecks));
        failedChecks++;
        nextCheckAt = now + pause;
        return TimeUnit.NANOSECONDS.toMillis(pause);
    }

    synchronized void markUp() {
        state = State.UP;
        failedChecks = 0;
        lastError = null;
    }

    /** While down: nanos until the next check is due (≤ 0 = now); never once the workers gave up. */
    synchronized long nanosToNextCheck() {
        return gaveUpReason != null ? Long.MAX_VALUE : nextCheckAt - clock.nanoTime();
    }

    /** Down for good: no check will run again. */
    synchronized void markGaveUp(String reason) {
        if (state == State.UP) {
            downSinceNanos = clock.nanoTime();
        }
        state = State.DOWN;
        gaveUpReason = reason;
        lastError = reason;
    }

    /** Whether the workers gave up on the engine (the process should exit). */
    public synchronized boolean gaveUp() {
        return gaveUpReason != null;
    }

    /** One line for {@code /health}: the state, and while down since when and why. */
    public synchronized String describe() {
        if (state == State.UP) {
            return "engine: up";
        }
        if (gaveUpReason != null) {
            return String.format("engine: down for %d ms, given up (the process exits): %s",
                    TimeUnit.NANOSECONDS.toMillis(clock.nanoTime() - downSinceNanos), gaveUpReason);
        }
        return String.format("engine: down for %d ms after %d failed health checks; last error: %s",
                TimeUnit.NANOSECONDS.toMillis(clock.nanoTime() - downSinceNanos), failedChecks, lastError);
    }
}
