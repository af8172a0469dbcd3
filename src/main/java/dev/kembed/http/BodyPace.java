package dev.kembed.http;

import java.time.Duration;

/**
 * How fast a request body must arrive: in full within {@code timeout} of its headers, and, after
 * the first second, at {@code minBytesPerSecond} on average (0 = no rate). A client that trickles
 * a body (one byte every few seconds) is cut short by the rate long before the timeout; one that
 * sends a large body slowly but steadily is cut by the timeout. Plain arithmetic on nanosecond
 * readings, so it is tested without a clock.
 */
record BodyPace(Duration timeout, long minBytesPerSecond) {
    /** A second to start sending: a body is never cut for its rate before that (GC pauses, the first byte's round trip). */
    static final long GRACE_NANOS = 1_000_000_000L;

    BodyPace {
        if (timeout.isNegative() || timeout.isZero() || minBytesPerSecond < 0) {
            throw new IllegalArgumentException("the body timeout must be positive and the minimum rate not negative");
        }
    }

    /**
     * Why a body read since {@code startNanos} with {@code bytes} arrived so far is too slow at
     * {@code nowNanos}, or null while it may go on.
     */
    String tooSlow(long startNanos, long nowNanos, long bytes) {
        long elapsed = nowNanos - startNanos;
        if (elapsed >= timeout.toNanos()) {
            return "the request body did not arrive within " + timeout.toMillis() + " ms (kembed.http.body.timeout.ms)";
        }
        if (minBytesPerSecond > 0 && elapsed > GRACE_NANOS) {
            double required = minBytesPerSecond * ((elapsed - GRACE_NANOS) / 1e9);
            if (bytes < required) {
                return "the request body arrives slower than " + minBytesPerSecond + " bytes/s (" + bytes + " bytes in "
                        + elapsed / 1_000_000 + " ms; kembed.http.body.min.bytes.per.second)";
            }
        }
        return null;
    }
}
