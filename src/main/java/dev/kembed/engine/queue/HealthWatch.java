package dev.kembed.engine.queue;

import dev.kembed.engine.EmbeddingEngine;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;

/**
 * The workers' side of {@link EngineHealth}: marks the engine down when a batch's windows had to
 * be held (their windows go back to the front of the queue), and while it is down hands out one
 * health check at a time, each due after a pause twice the last ({@link EngineHealth} keeps the
 * pauses); the first check that passes lets batches run again.
 *
 * <p>A call that hung ({@link HangWatch}) takes its engine instance out of service: its windows go
 * back to the front of the queue, the engine is down naming the call, and the next check first
 * opens a fresh instance ({@link EngineInstances}) and checks that one. When no fresh instance is
 * left to open, the workers give up: one ERROR line, the engine stays down for good and {@link
 * #gaveUp()} completes with the reason, so the process can exit and be restarted clean.
 */
final class HealthWatch {
    private static final Logger LOG = WorkerLog.LOG;

    private final EngineHealth health;
    private final BatchRunner runner;
    private final GuardedQueue shared;
    private final WorkerMetrics metrics;
    private final EngineInstances instances;
    private final HangWatch hangs;
    private final CompletableFuture<String> gaveUp = new CompletableFuture<>();
    /** A check is running (guarded by the queue's lock): no second one starts meanwhile. */
    private boolean checking;
    /** A call hung in the current instance (guarded by the queue's lock): the next check opens a fresh one first. */
    private boolean needsFresh;

    HealthWatch(EngineHealth health, BatchRunner runner, GuardedQueue shared, WorkerMetrics metrics, EngineInstances instances, HangWatch hangs) {
        this.health = health;
        this.runner = runner;
        this.shared = shared;
        this.metrics = metrics;
        this.instances = instances;
        this.hangs = hangs;
    }

    EngineHealth health() {
        return health;
    }

    boolean up() {
        return health.up();
    }

    /** Completes, with the reason, when the workers gave up on the engine. */
    CompletableFuture<String> gaveUp() {
        return gaveUp;
    }

    /** Caller holds the lock, the engine is down: nanos until the next check is due (a running check: until signalled). */
    long nanosToCheck() {
        return checking ? Long.MAX_VALUE : health.nanosToNextCheck();
    }

    /** Caller holds the lock, the engine is down: the check that is due now, marked running; null if none is. */
    Runnable claimCheck() {
        if (checking || health.nanosToNextCheck() > 0) {
            return null;
        }
        checking = true;
        shared.started();
        boolean fresh = needsFresh;
        return () -> recheck(fresh);
    }

    private void recheck(boolean fresh) {
        String checkError = "health check did not finish";
        boolean opened = false;
        RunningUnit unit = null;
        try {
            EmbeddingEngine engine = instances.current();
            if (fresh) {
                LOG.info("opening a fresh engine instance ({} of at most {})", instances.reopens() + 1, instances.maxReopens());
                engine = instances.openFresh();
                opened = true;
            }
            unit = hangs.begin(engine, List.of(), true);
            checkError = runner.healthCheckError(unit);
        } catch (RunningUnit.Abandoned e) {
            return; // the watchdog took the check over (callHung)
        } catch (Throwable e) {
            checkError = (fresh && !opened ? "opening a fresh engine instance failed: " : "health check failed: ") + e;
        } finally {
            finishCheck(unit, fresh, opened, checkError);
        }
    }

    private void finishCheck(RunningUnit unit, boolean fresh, boolean opened, String checkError) {
        shared.lock();
        try {
            if (unit != null) {
                hangs.end(unit);
                if (unit.abandoned()) {
                    return;
                }
            }
            checking = false;
            if (opened) {
                needsFresh = false;
            }
            if (health.gaveUp()) {
                // nothing more to do
            } else if (fresh && !opened && !instances.mayReopen()) {
                giveUp(checkError);
            } else if (checkError == null) {
                health.markUp();
                LOG.info("engine health check passed{}: taking work again ({} windows queued)", opened ? " on the fresh engine instance" : "",
                        shared.queue().size());
                metrics.engineUp();
            } else {
                long pause = health.markDown(checkError);
                LOG.warn("engine still down ({}); next check in {} ms", checkError, pause);
            }
            shared.signalWork();
            shared.finished();
        } finally {
            shared.unlock();
        }
    }

    /** A batch found the engine down: its {@code held} windows go back to the front of the queue until a check passes. */
    void engineDown(List<WindowQueue.Entry> held, String reason) {
        shared.lock();
        try {
            shared.queue().putBack(held);
            if (health.gaveUp()) {
                return;
            }
            long pause = health.markDown(reason);
            LOG.error("engine is down ({}); holding {} windows, next check in {} ms", reason, shared.queue().size(), pause);
            metrics.engineDown(reason);
            shared.signalWork();
        } finally {
            shared.unlock();
        }
    }

    /**
     * Caller holds the lock: the watchdog abandoned {@code unit}, a call past its deadline. Its
     * windows go back to the front of the queue, it no longer counts as running (stopping must not
     * wait for a call that may never return), and its engine instance is out of service.
     */
    void callHung(RunningUnit unit, String reason) {
        shared.queue().putBack(unit.entries());
        shared.finished();
        if (unit.check()) {
            checking = false;
        }
        metrics.engineHung(reason);
        switch (instances.hung(unit.engine())) {
            case ALREADY_REPLACED -> LOG.error("{} on an engine instance already abandoned; {} windows back in the queue", reason,
                    unit.entries().size());
            case REOPEN -> {
                needsFresh = true;
                long pause = health.markDown(reason);
                LOG.error("engine hung: {}; abandoning worker {} inside it, {} windows back in the queue, a fresh engine instance in {} ms",
                        reason, unit.thread().getName(), unit.entries().size(), pause);
                metrics.engineDown(reason);
            }
            case GIVE_UP -> giveUp(reason + " (" + instances.reopens() + " fresh engine instance" + (instances.reopens() == 1 ? "" : "s")
                    + " opened before, at most " + instances.maxReopens() + ")");
        }
        shared.signalWork();
    }

    /** Caller holds the lock: the engine stays down for good; whoever runs the process learns it from {@link #gaveUp()}. */
    private void giveUp(String reason) {
        if (health.gaveUp()) {
            return;
        }
        health.markGaveUp(reason);
        LOG.error("giving up on the engine: {}; the engine stays down and this process must be restarted", reason);
        metrics.engineDown(reason);
        metrics.engineGaveUp(reason);
        gaveUp.complete(reason);
    }
}
