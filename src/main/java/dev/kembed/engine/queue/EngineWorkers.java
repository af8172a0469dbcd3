package dev.kembed.engine.queue;

import dev.kembed.engine.EmbeddingEngine;
import dev.kembed.engine.EngineInfo;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The one engine-side queue of a process, shared by every task and stream thread, and the threads
 * that run it: the plumbing around a {@link WindowQueue} (what runs next) and a {@link BatchRunner}
 * (how a batch runs). Tasks offer windows and return; workers take batches, run them, and apply the
 * outcome: results and window failures to each task's inbox, a batch the engine could not run back
 * to the front of the queue while the engine is down ({@link EngineHealth}) until a check passes.
 * Results are never applied on a worker thread: each task drains its own completions.
 *
 * <p>This class is the front and the wiring; each job has its own class: {@link Admission} (offer
 * with a wait budget), {@link WorkPicker} (the next unit of work, the worker loop), {@link
 * BatchDelivery} (run a batch, deliver its outcome), {@link HealthWatch} (engine down, recheck),
 * {@link WorkerMetrics} (listener calls), {@link WorkerThreads} (thread lifecycle), all around one
 * {@link GuardedQueue} (the queue, its lock and signals).
 *
 * <p>Nothing a batch does can kill a worker: every unit of work catches {@link Throwable}, and a
 * batch whose run threw goes back to the queue, never lost. A worker that dies anyway is replaced
 * and counted. {@link #stop} never lets the engine be closed under a running native call.
 *
 * <p>With {@code threads = 0} nothing runs by itself and {@link #step()} does one unit of work:
 * tests drive it with a fake {@link EngineClock}.
 */
public final class EngineWorkers implements AutoCloseable {
    static final long MAX_DOWN_PAUSE_MS = 30_000;

    private final EmbeddingEngine engine;
    private final GuardedQueue shared;
    private final HealthWatch watch;
    private final Admission admission;
    private final WorkPicker picker;
    private final WorkerThreads threads;

    /**
     * @param retries    retries of a transient failure before the batch is split or the engine checked
     * @param backoffMs  first retry delay (doubles per retry); also the first pause while the engine is down
     * @param maxBlockMs how long a stream thread may wait for queue space between two polls ({@link #admissionBudget})
     */
    public EngineWorkers(EmbeddingEngine engine, WindowQueue queue, int threads, int retries, long backoffMs, long maxBlockMs,
            EngineClock clock, EngineListener listener) {
        this.engine = engine;
        this.shared = new GuardedQueue(queue);
        EngineHealth health = new EngineHealth(clock, backoffMs, MAX_DOWN_PAUSE_MS);
        BatchRunner runner = new BatchRunner(engine, clock, health, retries, TimeUnit.MILLISECONDS.toNanos(backoffMs));
        WorkerMetrics metrics = new WorkerMetrics(listener, clock);
        this.watch = new HealthWatch(health, runner, shared, metrics);
        BatchDelivery delivery = new BatchDelivery(runner, shared, watch, metrics);
        this.admission = new Admission(shared, clock, listener, delivery, maxBlockMs);
        this.picker = new WorkPicker(shared, watch, delivery, metrics, clock);
        this.threads = new WorkerThreads(threads, picker::runLoop, shared::closing, listener);
        this.threads.startAll();
    }

    public EngineHealth health() {
        return watch.health();
    }

    public EngineInfo engineInfo() {
        return engine.info();
    }

    /** Workers configured. */
    public int workers() {
        return threads.configured();
    }

    /** Worker threads alive now (readiness: fewer than {@link #workers()} means work may stall). */
    public int liveWorkers() {
        return threads.alive();
    }

    public long workerRestarts() {
        return threads.restarts();
    }

    public TaskHandle register(String taskName) {
        return new TaskHandle(taskName);
    }

    /**
     * A query's handle: its windows go to the priority lane (served before any queued document
     * window, outside the document bound) and each completion is handed to {@code sink} on the
     * worker thread, so it must only record it. {@link #abandon} it when the query ends.
     */
    public TaskHandle registerQuery(String name, Consumer<Completion> sink) {
        return new TaskHandle(name, true, Objects.requireNonNull(sink, "sink"));
    }

    /** A fresh wait budget: {@code kembed.queue.max.block.ms}, for everything a stream thread submits until its next poll. */
    public WaitBudget admissionBudget() {
        return admission.budget();
    }

    /**
     * Queues a window if there is space, waiting for space while {@code budget} lasts (and spending
     * it). Returns false when it did not fit: the caller keeps it (durably, in its pending store)
     * and offers it again later; nothing is queued past the queue's bound. A window the batch
     * policy cannot place (longer than every static shape) completes as failed, and counts as
     * handled (true). A priority owner's window never waits for space: it goes to the lane.
     */
    public boolean offer(TaskHandle owner, WindowJob job, WaitBudget budget) {
        return admission.offer(owner, job, budget);
    }

    /** {@link #offer} with a fresh {@link #admissionBudget} (one window on its own). */
    public boolean submit(TaskHandle owner, WindowJob job) {
        return offer(owner, job, admissionBudget());
    }

    /** Completions for this task so far (non-blocking). */
    public List<Completion> drain(TaskHandle owner) {
        List<Completion> out = new ArrayList<>();
        Completion c;
        while ((c = owner.completions.poll()) != null) {
            out.add(c);
        }
        return out;
    }

    /** Drops the queued windows of one document; a window already running finishes and its owner ignores it. */
    public void cancel(TaskHandle owner, String docId) {
        shared.withLock(() -> {
            if (shared.queue().cancel(owner, docId) > 0) {
                shared.signalSpace();
            }
        });
    }

    /** Drops a closed or migrated task's queued windows; its results still in flight are discarded. */
    public void abandon(TaskHandle owner) {
        owner.close();
        shared.withLock(() -> {
            shared.queue().abandon(owner);
            shared.signalSpace();
        });
    }

    public int queued() {
        return shared.size();
    }

    /** Query windows waiting in the priority lane. */
    public int queuedQueries() {
        return shared.prioritySize();
    }

    /** Does the next unit of work that is due now (a batch or a health check); false if none is. */
    public boolean step() {
        return picker.step();
    }

    /**
     * Stops taking work and waits at most {@code timeout} for the units running now. Returns true
     * when none is still running, so the engine may be closed; false means a worker is still inside
     * an engine call, and closing the engine under it could crash the process.
     */
    public boolean stop(Duration timeout) {
        shared.markClosing();
        List<Thread> current = threads.current();
        if (!shared.awaitIdle(timeout)) {
            return false;
        }
        current.forEach(Thread::interrupt); // idle waits only: no unit of work is running
        return true;
    }

    @Override
    public void close() {
        stop(Duration.ofSeconds(60));
    }
}
