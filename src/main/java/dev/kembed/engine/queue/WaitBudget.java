package dev.kembed.engine.queue;

/**
 * How long a stream thread may still wait for queue space, across all the windows it submits
 * until it next polls: waits spend it, and once it is spent every further submission is a
 * non-blocking try. Not thread-safe: one per stream thread at a time.
 */
public final class WaitBudget {
    private long remainingNanos;

    private WaitBudget(long nanos) {
        this.remainingNanos = Math.max(0, nanos);
    }

    public static WaitBudget ofNanos(long nanos) {
        return new WaitBudget(nanos);
    }

    /** No waiting at all: only what fits now is submitted. */
    public static WaitBudget none() {
        return new WaitBudget(0);
    }

    public long remainingNanos() {
        return remainingNanos;
    }

    void spend(long nanos) {
        remainingNanos = Math.max(0, remainingNanos - Math.max(0, nanos));
    }
}
