package dev.kembed.engine.queue;

import dev.kembed.engine.EmbeddingEngine;
import dev.kembed.engine.EngineInfo;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
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
 * <p>Nothing the engine does can stop the workers for good either: every engine call has a
 * deadline ({@link CallDeadline}), and a watchdog ({@link HangWatch}) abandons a call past it. Its
 * batch goes back to the front of the queue (a late return is dropped), the worker stuck in it is
 * replaced, and the engine is down, naming the call, until a fresh instance opened by the
 * {@link EngineOpener} passes its health check. After {@code maxReopens} fresh instances, a hang
 * gives up: {@link #gaveUp()} completes and the process is expected to exit.
 *
 * <p>Workers can yield to other workers' work ({@link LiveWork}: a rollout's to the live pipeline's):
 * they then take nothing while that is busy ({@link YieldToLive}). Every {@code EngineWorkers} is
 * such a {@link LiveWork} itself ({@link #busy()}, {@link #onIdle}).
 *
 * <p>With {@code threads = 0} nothing runs by itself and {@link #step()} does one unit of work:
 * tests drive it with a fake {@link EngineClock}.
 */
public final class EngineWorkers implements LiveWork, AutoCloseable {
    static final long MAX_DOWN_PAUSE_MS = 30_000;
    /** How often the watchdog thread looks at the calls in flight: far below any deadline, and nothing has to signal it. */
    static final long WATCH_PERIOD_MS = 200;

    private final EngineInstances instances;
    private final GuardedQueue shared;
    private final HealthWatch watch;
    private final HangWatch hangs;
    private final Admission admission;
    private final WorkPicker picker;
    private final WorkerThreads threads;
    private final Thread watchdog;
    private final EngineTime time;
    private final YieldToLive yielding;

    /** Workers that cannot open a fresh engine: a hung call gives up at once (tests, and callers without a checkpoint at hand). */
    public EngineWorkers(EmbeddingEngine engine, WindowQueue queue, int threads, int retries, long backoffMs, long maxBlockMs,
            EngineClock clock, EngineListener listener) {
        this(engine, null, queue, threads, retries, backoffMs, maxBlockMs, CallDeadline.AUTO, 0, clock, listener);
    }

    /**
     * @param opener     opens a fresh instance of {@code engine} when a call hung in the current one; null: none can be
     * @param retries    retries of a transient failure before the batch is split or the engine checked
     * @param backoffMs  first retry delay (doubles per retry); also the first pause while the engine is down
     * @param maxBlockMs how long a stream thread may wait for queue space between two polls ({@link #admissionBudget})
     * @param deadline   how long one engine call may run before the engine counts as hung
     * @param maxReopens fresh engine instances this process may open after hangs; one more hang gives up
     */
    public EngineWorkers(EmbeddingEngine engine, EngineOpener opener, WindowQueue queue, int threads, int retries, long backoffMs,
            long maxBlockMs, CallDeadline deadline, int maxReopens, EngineClock clock, EngineListener listener) {
        this(engine, opener, queue, threads, retries, backoffMs, maxBlockMs, deadline, maxReopens, clock, listener, LiveWork.NONE);
    }

    /**
     * Workers that yield to {@code live} (a rollout's, yielding to the live pipeline's workers):
     * they take no unit of work, batch or health check, while {@code live} is {@linkplain
     * LiveWork#busy() busy}, and take work again, woken by its {@linkplain LiveWork#onIdle idle
     * signal}, once it is idle. Live work that arrives while one of their batches runs waits at most
     * for that batch (live workers never wait for these: they run on their own engine, in parallel).
     * So that this wait stays short, give these workers a {@link BatchPolicy} of one maximal window
     * ({@code maxTokens} = the padded length of the longest window the plan cuts: a batch is then one
     * maximal window or shorter ones of no more tokens) and one thread (two threads could start two
     * batches just before live work arrives). Waiting for live is not an
     * engine call: the watchdog's deadlines and the engine health of these workers are as without
     * {@code live}. Everything else is as the other constructor's.
     *
     * @param live the work to yield to; {@link LiveWork#NONE}: none (this constructor is then the other one)
     */
    public EngineWorkers(EmbeddingEngine engine, EngineOpener opener, WindowQueue queue, int threads, int retries, long backoffMs,
            long maxBlockMs, CallDeadline deadline, int maxReopens, EngineClock clock, EngineListener listener, LiveWork live) {
        this.instances = new EngineInstances(engine, opener, maxReopens);
        this.shared = new GuardedQueue(queue);
        EngineHealth health = new EngineHealth(clock, backoffMs, MAX_DOWN_PAUSE_MS);
        BatchRunner runner = new BatchRunner(clock, health, retries, TimeUnit.MILLISECONDS.toNanos(backoffMs), deadline,
                queue.policy()::bucket);
        WorkerMetrics metrics = new WorkerMetrics(listener, clock);
        this.time = metrics.time();
        this.hangs = new HangWatch(clock);
        this.watch = new HealthWatch(health, runner, shared, metrics, instances, hangs);
        BatchDelivery delivery = new BatchDelivery(runner, shared, watch, metrics, hangs);
        this.admission = new Admission(shared, clock, listener, delivery, maxBlockMs);
        this.yielding = YieldToLive.to(Objects.requireNonNull(live, "live"), shared);
        this.picker = new WorkPicker(shared, watch, delivery, metrics, clock, hangs, instances, yielding);
        this.threads = new WorkerThreads(threads, picker::runLoop, shared::closing, listener);
        hangs.onHung((unit, reason) -> {
            watch.callHung(unit, reason);
            this.threads.abandon(unit.thread());
        });
        this.threads.startAll();
        this.watchdog = threads > 0 ? startWatchdog() : null;
    }

    private Thread startWatchdog() {
        Thread t = new Thread(() -> {
            while (!shared.closing()) {
                try {
                    shared.withLock(hangs::check);
                    Thread.sleep(WATCH_PERIOD_MS);
                } catch (InterruptedException e) {
                    return;
                } catch (Throwable e) { // the watchdog must outlive whatever went wrong in one look
                    WorkerLog.LOG.error("engine watchdog: unexpected failure; carrying on", e);
                }
            }
        }, "kembed-engine-watchdog");
        t.setDaemon(true);
        t.start();
        return t;
    }

    /**
     * Whether these workers have work: windows queued (documents or queries, ready or not) or a unit
     * of work running (a batch or a health check). Cheap (one volatile read) and thread-safe: what
     * workers that yield to these read before taking work.
     */
    @Override
    public boolean busy() {
        return shared.activity().busy();
    }

    /** Calls {@code wake} each time these workers go idle ({@link LiveWork#onIdle}: its rules). */
    @Override
    public LiveWork.Registration onIdle(Runnable wake) {
        return shared.activity().onIdle(Objects.requireNonNull(wake, "wake"));
    }

    public EngineHealth health() {
        return watch.health();
    }

    public EngineInfo engineInfo() {
        return instances.current().info();
    }

    /** The engine instance the workers run now (a fresh one after a hang). */
    public EmbeddingEngine engine() {
        return instances.current();
    }

    /** Whether a call hung in {@code engine}: a thread may still be inside it, so it must never be closed. */
    public boolean abandoned(EmbeddingEngine engine) {
        return instances.abandoned(engine);
    }

    /** Age of the oldest engine call the workers wait for, in seconds; 0 when none runs ({@code kembed_engine_oldest_call_seconds}). */
    public double oldestCallSeconds() {
        return hangs.oldestCallNanos() / 1e9;
    }

    /**
     * Completes, with the reason, when the workers gave up on the engine: a call hung and no fresh
     * instance was left to open. The engine then stays down; the process should exit non-zero so
     * that its orchestrator starts a clean one.
     */
    public CompletableFuture<String> gaveUp() {
        return watch.gaveUp();
    }

    /** Seconds the engine spent on calls of this class that returned results ({@code kembed_engine_seconds_total{class}}). */
    public double engineSeconds(WorkClass c) {
        return time.seconds(c);
    }

    /** Padded tokens of the calls of this class that returned results (what {@code kembed.queue.document.share} divides). */
    public long enginePaddedTokens(WorkClass c) {
        return time.paddedTokens(c);
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

    /**
     * Queues a query's windows in the priority lane, all or none, never waiting: false when the
     * lane holds padded tokens already and these would take it past {@code maxLaneTokens} (an empty
     * lane takes any query). A window that cannot be placed fails to the owner's sink (true).
     *
     * @throws dev.kembed.engine.EngineException (retryable) when the workers are closing
     */
    public boolean offerQuery(TaskHandle owner, List<WindowJob> jobs, long maxLaneTokens) {
        return admission.offerQuery(owner, jobs, maxLaneTokens);
    }

    /** Padded tokens of the query windows waiting in the priority lane. */
    public long queuedQueryTokens() {
        return shared.laneTokens();
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
        yielding.close();
        List<Thread> current = threads.current();
        if (!shared.awaitIdle(timeout)) {
            return false;
        }
        current.forEach(Thread::interrupt); // idle waits only: no unit of work is running
        if (watchdog != null) {
            watchdog.interrupt();
        }
        return true;
    }

    @Override
    public void close() {
        stop(Duration.ofSeconds(60));
    }
}
