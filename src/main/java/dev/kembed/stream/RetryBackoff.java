package dev.kembed.stream;

/**
 * When to try again after a retryable failure: {@code initialMs}, doubling per failure up to
 * {@code maxMs}, back to nothing after a success. Pure: the caller passes the clock.
 */
final class RetryBackoff {
    static final long INITIAL_MS = 500;
    static final long MAX_MS = 30_000;

    private final long initialMs;
    private final long maxMs;
    private long currentMs;
    private long nextAttemptMs = Long.MIN_VALUE;

    RetryBackoff(long initialMs, long maxMs) {
        if (initialMs <= 0 || maxMs < initialMs) {
            throw new IllegalArgumentException("backoff needs 0 < initial <= max, got " + initialMs + " and " + maxMs);
        }
        this.initialMs = initialMs;
        this.maxMs = maxMs;
    }

    boolean due(long nowMs) {
        return nowMs >= nextAttemptMs;
    }

    /** Records a failure at {@code nowMs}; returns the pause before the next attempt. */
    long failed(long nowMs) {
        currentMs = currentMs == 0 ? initialMs : Math.min(maxMs, currentMs * 2);
        nextAttemptMs = nowMs + currentMs;
        return currentMs;
    }

    void succeeded() {
        currentMs = 0;
        nextAttemptMs = Long.MIN_VALUE;
    }
}
