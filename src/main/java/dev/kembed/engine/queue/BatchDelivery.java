package dev.kembed.engine.queue;

import dev.kembed.engine.EngineException;
import java.util.List;
import org.slf4j.Logger;

/**
 * Runs a batch a worker took (through {@link BatchRunner}) and hands what became of each window to
 * its owner: results and window failures to the owner's inbox (a query's: its sink), windows the
 * engine could not run back to the queue while it is down ({@link HealthWatch}). A run that threw
 * puts the whole batch back, never lost. Results are only delivered here, never applied: each
 * task drains and applies its own.
 */
final class BatchDelivery {
    private static final Logger LOG = WorkerLog.LOG;

    private final BatchRunner runner;
    private final GuardedQueue shared;
    private final HealthWatch watch;
    private final WorkerMetrics metrics;

    BatchDelivery(BatchRunner runner, GuardedQueue shared, HealthWatch watch, WorkerMetrics metrics) {
        this.runner = runner;
        this.shared = shared;
        this.watch = watch;
        this.metrics = metrics;
    }

    /** One unit of work: {@code batch} was marked running when it was taken, and is marked finished here whatever happens. */
    void run(List<WindowQueue.Entry> batch) {
        try {
            batch.removeIf(e -> e.owner().closed());
            if (batch.isEmpty()) {
                return;
            }
            BatchRunner.Outcome outcome;
            try {
                outcome = runner.run(batch);
            } catch (Throwable e) { // the runner catches the engine's failures; this is a bug or an Error in kembed itself
                LOG.error("running a batch of {} windows failed; putting it back", batch.size(), e);
                shared.withLock(() -> {
                    shared.queue().putBack(batch);
                    shared.signalWork();
                });
                return;
            }
            apply(outcome);
        } finally {
            shared.withLock(shared::finished);
        }
    }

    private void apply(BatchRunner.Outcome outcome) {
        for (BatchRunner.Ran ran : outcome.ran()) {
            List<WindowQueue.Entry> entries = ran.entries();
            for (int i = 0; i < entries.size(); i++) {
                entries.get(i).owner().deliver(Completion.ok(entries.get(i).job(), ran.result().windows().get(i)));
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
