package dev.kembed.engine.queue;

import java.util.concurrent.TimeUnit;

/**
 * Workers that give way to live work ({@link LiveWork}): they take no unit of work, batch or
 * health check, while the live workers are {@linkplain LiveWork#busy() busy}, and wait instead
 * until live goes idle. A waiting worker is outside any engine call, so the watchdog
 * ({@link HangWatch}) does not see it. Live work that arrives once a unit was taken waits at most
 * for that unit (the live workers do not wait for it at all: they run on their own engine).
 *
 * <p>The wake-up is live's idle signal ({@link LiveWork#onIdle}), relayed as a work signal of
 * these workers' own queue; a waiting worker also looks again every {@link #RECHECK_MS} ms, a
 * safety net that never costs a busy spin.
 */
final class YieldToLive {
    /** Longest wait of a yielding worker between two looks at live, should an idle signal ever be missed. */
    static final long RECHECK_MS = 500;

    /** Yields to nothing: workers behave as they always did. */
    static final YieldToLive NEVER = new YieldToLive(LiveWork.NONE, null);

    private final LiveWork live;
    private final LiveWork.Registration wake;

    private YieldToLive(LiveWork live, LiveWork.Registration wake) {
        this.live = live;
        this.wake = wake;
    }

    /** Workers around {@code own} that yield to {@code live}; {@link LiveWork#NONE} or null: {@link #NEVER}. */
    static YieldToLive to(LiveWork live, GuardedQueue own) {
        if (live == null || live == LiveWork.NONE) {
            return NEVER;
        }
        return new YieldToLive(live, live.onIdle(() -> own.withLock(own::signalWork)));
    }

    /** Whether a worker must take nothing now: live has work. */
    boolean mustWait() {
        return live.busy();
    }

    /**
     * Caller holds its own queue's lock (so that live's idle signal cannot slip in unseen): how long
     * an idle worker waits, given {@code untilWork} nanos until its own next work is due. While live
     * is busy, its own work does not count: it waits for live's idle signal, or {@link #RECHECK_MS}.
     */
    long waitNanos(long untilWork) {
        return mustWait() ? TimeUnit.MILLISECONDS.toNanos(RECHECK_MS) : untilWork;
    }

    /** Stops live's idle signals to these workers (they are stopping). */
    void close() {
        if (wake != null) {
            wake.close();
        }
    }
}
