package dev.kembed.engine.queue;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;

/** Time for the queue, workers and health: the system's, or a test's that moves only when told. */
public interface EngineClock {
    long nanoTime();

    /** Waits (retry backoff); a fake clock just advances. */
    void sleepNanos(long nanos) throws InterruptedException;

    /**
     * Waits on {@code c} (its lock held) at most {@code nanos}; returns the nanos left, as
     * {@link Condition#awaitNanos}. A fake clock advances by {@code nanos} and returns 0, so a test
     * sees exactly how long a caller would have waited, without waiting.
     */
    default long awaitNanos(Condition c, long nanos) throws InterruptedException {
        return c.awaitNanos(nanos);
    }

    EngineClock SYSTEM = new EngineClock() {
        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public void sleepNanos(long nanos) throws InterruptedException {
            TimeUnit.NANOSECONDS.sleep(nanos);
        }
    };
}
