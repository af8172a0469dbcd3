package dev.kembed.engine;

/** Time for the queue, workers and health: the system's, or a test's that moves only when told. */
public interface EngineClock {
    long nanoTime();

    /** Waits (retry backoff); a fake clock just advances. */
    void sleepNanos(long nanos) throws InterruptedException;

    EngineClock SYSTEM = new EngineClock() {
        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public void sleepNanos(long nanos) throws InterruptedException {
            java.util.concurrent.TimeUnit.NANOSECONDS.sleep(nanos);
        }
    };
}
