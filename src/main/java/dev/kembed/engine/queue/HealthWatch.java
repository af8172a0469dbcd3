package dev.kembed.engine.queue;

import java.util.List;
import org.slf4j.Logger;

/**
 * The workers' side of {@link EngineHealth}: marks the engine down when a batch's windows had to
 * be held (their windows go back to the front of the queue), and while it is down hands out one
 * health check at a time, each due after a pause twice the last ({@link EngineHealth} keeps the
 * pauses); the first check that passes lets batches run again.
 */
final class HealthWatch {
    private static final Logger LOG = WorkerLog.LOG;

    private final EngineHealth health;
    private final BatchRunner runner;
    private final GuardedQueue shared;
    private final WorkerMetrics metrics;
    /** A check is running (guarded by the queue's lock): no second one starts meanwhile. */
    private boolean checking;

    HealthWatch(EngineHealth health, BatchRunner runner, GuardedQueue shared, WorkerMetrics metrics) {
        this.health = health;
        this.runner = runner;
        this.shared = shared;
        this.metrics = metrics;
    }

    EngineHealth health() {
        return health;
    }

    boolean up() {
        return health.up();
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
        return this::recheck;
    }

    private void recheck() {
        String checkError = "health check did not finish";
        try {
            checkError = runner.healthCheckError();
        } finally {
            shared.lock();
            try {
                checking = false;
                if (checkError == null) {
                    health.markUp();
                    LOG.info("engine health check passed: taking work again ({} windows queued)", shared.queue().size());
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
    }

    /** A batch found the engine down: its {@code held} windows go back to the front of the queue until a check passes. */
    void engineDown(List<WindowQueue.Entry> held, String reason) {
        shared.lock();
        try {
            shared.queue().putBack(held);
            long pause = health.markDown(reason);
            LOG.error("engine is down ({}); holding {} windows, next check in {} ms", reason, shared.queue().size(), pause);
            metrics.engineDown(reason);
            shared.signalWork();
        } finally {
            shared.unlock();
        }
    }
}
