package dev.kembed.testing;

import dev.kembed.engine.queue.EngineClock;
import java.time.Duration;

/** Time that moves only when a test says so (or when the code under test "sleeps"). */
public final class FakeClock implements EngineClock {
    private volatile long now = 1_000_000_000L;
    private volatile long waited;

    @Override
    public long nanoTime() {
        return now;
    }

    @Override
    public void sleepNanos(long nanos) {
        now += nanos;
    }

    /** A wait for queue space: time passes as if nobody signalled, without waiting. */
    @Override
    public long awaitNanos(java.util.concurrent.locks.Condition c, long nanos) {
        now += nanos;
        waited += nanos;
        return 0;
    }

    /** Nanos spent in {@link #awaitNanos} so far. */
    public long waitedNanos() {
        return waited;
    }

    public void advance(Duration d) {
        now += d.toNanos();
    }
}
