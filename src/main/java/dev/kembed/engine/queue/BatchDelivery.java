package dev.kembed.engine.queue;

import dev.kembed.engine.EngineException;
import dev.kembed.engine.WindowResult;
import java.util.List;
import org.slf4j.Logger;

/**
 * Runs a batch a worker took (through {@link BatchRunner}) and hands what became of each window to
 * its owner: results and window failures to the owner's inbox (a query's: its sink), windows the
 * engine could not run back to the queue while it is down ({@link HealthWatch}). A run that threw
 * puts the whole batch back, never lost. A run the watchdog abandoned ({@link HangWatch}) delivers
 * nothing, whenever its call returns: its batch went back to the queue when it was abandoned.
 * Results are only delivered here, never applied: each task drains and applies its own.
 */
final class BatchDelivery {
    private static final Logger LOG = WorkerLog.LOG;

    private final BatchRunner runner;
    private final GuardedQueue shared;
    private final HealthWatch watch;
    private final WorkerMetrics metrics;
    private final HangWatch hangs;

    BatchDelivery(BatchRunner runner, GuardedQueue shared, HealthWatch watch, WorkerMetrics metrics, HangWatch hangs) {
        this.runner = runner;
        this.shared = shared;
        this.watch = watch;
        this.metrics = metrics;
        this.hangs = hangs;
    }

    /**
     * One unit of work: {@code batch} was marked running when it was taken (as {@code unit}), and
     * is marked finished here whatever happens, unless the watchdog abandoned it (then it did).
     */
    void run(List<WindowQueue.Entry> batch, RunningUnit unit) {
        try {
            batch.removeIf(e -> e.owner().closed());
            if (batch.isEmpty()) {
                return;
            }
            BatchRunner.Outcome outcome;
            try {
                outcome = runner.run(batch, unit);
            } catch (RunningUnit.Abandoned e) {
                LOG.warn("an abandoned engine call of {} windows returned after all; its result is dropped (its windows were queued again)",
                        batch.size());
                return;
            } catch (Throwable e) { // the runner catches the engine's failures; this is a bug or an Error in kembed itself
                if (!unit.complete()) {
                    return;
                }
                LOG.error("running a batch of {} windows failed; putting it back", batch.size(), e);
                shared.withLock(() -> {
                    shared.queue().putBack(batch);
                    shared.signalWork();
                });
                return;
            }
            if (unit.complete()) {
                apply(outcome);
            }
        } finally {
            shared.withLock(() -> {
                hangs.end(unit);
                if (!unit.abandoned()) {
                    shared.finished();
                }
            });
        }
    }

    private void apply(BatchRunner.Outcome outcome) {
        for (BatchRunner.Ran ran : outcome.ran()) {
            List<WindowQueue.Entry> entries = ran.entries();
            for (int i = 0; i < entries.size(); i++) {
                WindowJob job = entries.get(i).job();
                WindowResult r = ran.result().windows().get(i);
                entries.get(i).owner().deliver(Completion.ok(job, job.tokenStates() ? r : r.withoutTokenStates()));
            }
            metrics.ran(ran);
        }
        for (BatchRunner.Failed f : outcome.failed()) {
            LOG.warn("window {} of document {} failed ({}): {}", f.entry().job().windowIndex(), f.entry().job().docId(), f.error().reason(),
                    f.error().getMessage());
            fail(f.entry().owner(), f.entry().job(), f.error());
        }
        if (outcome.engineDown()) {
            watch.engineDown(outcome.held(), outcome.downReason());
        }
    }

    /** A window given up on: counted, and its owner told why. */
    void fail(TaskHandle owner, WindowJob job, EngineException e) {
        metrics.windowFailed(e.reason());
        owner.deliver(Completion.failed(job, e.reason(), e.getMessage()));
    }
}
