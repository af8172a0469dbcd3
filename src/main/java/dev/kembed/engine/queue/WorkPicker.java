package dev.kembed.engine.queue;

import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;

/**
 * What a worker does next, and the loop each worker thread runs: while the engine is down only a
 * due health check ({@link HealthWatch}); while it is up, a batch the queue says is ready, run by
 * {@link BatchDelivery}, on the engine instance current when it was taken. With nothing due, a
 * worker sleeps until the next deadline or a signal. A worker the watchdog abandoned inside a hung
 * call ({@link HangWatch}) ends its loop should the call ever return: its replacement took over.
 * Workers that yield to live work ({@link YieldToLive}) take nothing while live is busy.
 */
final class WorkPicker {
    private static final Logger LOG = WorkerLog.LOG;

    private final GuardedQueue shared;
    private final HealthWatch watch;
    private final BatchDelivery delivery;
    private final WorkerMetrics metrics;
    private final EngineClock clock;
    private final HangWatch hangs;
    private final EngineInstances instances;
    private final YieldToLive yielding;

    WorkPicker(GuardedQueue shared, HealthWatch watch, BatchDelivery delivery, WorkerMetrics metrics, EngineClock clock, HangWatch hangs,
            EngineInstances instances, YieldToLive yielding) {
        this.shared = shared;
        this.watch = watch;
        this.delivery = delivery;
        this.metrics = metrics;
        this.clock = clock;
        this.hangs = hangs;
        this.instances = instances;
        this.yielding = yielding;
    }

    /** Without worker threads: the watchdog's check, then the next unit of work that is due now; false if none is. */
    boolean step() {
        shared.withLock(hangs::check);
        Runnable next = nextWork();
        if (next == null) {
            return false;
        }
        next.run();
        return true;
    }

    /** A worker thread's life: units of work until the workers close. Nothing a unit does ends it. */
    void runLoop() {
        while (!shared.closing() && !hangs.abandoned(Thread.currentThread())) {
            try {
                Runnable next = nextWork();
                if (next != null) {
                    next.run();
                    continue;
                }
                shared.lock();
                try {
                    long wait = yielding.waitNanos(nanosUntilWork());
                    if (!shared.closing() && wait > 0) {
                        shared.awaitWork(wait);
                    }
                } finally {
                    shared.unlock();
                }
            } catch (InterruptedException e) {
                if (shared.closing()) {
                    return;
                }
            } catch (Throwable e) { // a unit of work has its own catch; this is whatever got past it
                LOG.error("engine worker {}: unexpected failure; carrying on", Thread.currentThread().getName(), e);
            }
        }
    }

    /** Caller holds the lock. While the engine is down only the health check's time counts. */
    private long nanosUntilWork() {
        if (!watch.up()) {
            return watch.nanosToCheck();
        }
        long deadline = shared.queue().nextDeadline();
        return deadline == Long.MAX_VALUE ? Long.MAX_VALUE : deadline - clock.nanoTime();
    }

    /** The next unit of work, marked running (so stopping waits for it); null if none is due. */
    private Runnable nextWork() {
        shared.lock();
        try {
            if (shared.closing() || yielding.mustWait()) {
                return null;
            }
            if (!watch.up()) {
                return watch.claimCheck();
            }
            long now = clock.nanoTime();
            List<WindowQueue.Entry> batch = shared.queue().poll(now, Integer.MAX_VALUE);
            if (batch.isEmpty()) {
                return null;
            }
            for (WindowQueue.Entry e : batch) {
                if (e.owner().priority()) {
                    metrics.priorityWait(now - e.enqueuedNanos());
                }
            }
            shared.signalSpace();
            shared.started();
            RunningUnit unit = hangs.begin(instances.current(), batch, false);
            return () -> delivery.run(new ArrayList<>(batch), unit);
        } finally {
            shared.unlock();
        }
    }
}
