package dev.kembed.testing;

import dev.kembed.engine.EngineClock;
import java.time.Duration;

/** Time that moves only when a test says so (or when the code under test "sleeps"). */
public final class FakeClock implements EngineClock {
    private volatile long now = 1_000_000_000L;

    @Override
    public long nanoTime() {
        return now;
    }

    @Override
    public void sleepNanos(long nanos) {
        now += nanos;
    }

    public void advance(Duration d) {
        now += d.toNanos();
    }
}
