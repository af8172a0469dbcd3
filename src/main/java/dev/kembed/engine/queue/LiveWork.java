package dev.kembed.engine.queue;

/**
 * Work that other workers yield to: the live pipeline's {@link EngineWorkers}, as a rollout's
 * workers see it ({@link YieldToLive}). Both methods are cheap and thread-safe; neither takes a
 * lock of the live workers.
 */
public interface LiveWork {
    /**
     * Whether the live workers have work: windows queued (documents or queries, ready or not) or a
     * unit of work running (a batch or a health check). A snapshot: it may change right after.
     */
    boolean busy();

    /**
     * Calls {@code wake} each time {@link #busy()} turns false, after the live workers released
     * their lock, on whichever thread made them idle (a live worker, or a stream thread that
     * cancelled the last queued window). {@code wake} must be short and must not throw (what it
     * throws is logged and ignored); it may take other locks, but not wait for the live workers.
     * By the time it runs, {@link #busy()} already reads false (unless new work came meanwhile), so
     * a waiter that checks {@link #busy()} under its own lock and is woken under that lock misses
     * no wake-up.
     *
     * @return closing it stops the calls (idempotent)
     */
    Registration onIdle(Runnable wake);

    /** An {@link #onIdle} callback's registration. */
    interface Registration extends AutoCloseable {
        @Override
        void close();
    }

    /** Never busy: workers that yield to it behave as workers that yield to nothing. */
    LiveWork NONE = new LiveWork() {
        @Override
        public boolean busy() {
            return false;
        }

        @Override
        public Registration onIdle(Runnable wake) {
            return () -> {};
        }
    };
}
