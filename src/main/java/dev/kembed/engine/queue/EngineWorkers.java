package dev.kembed.engine.queue;

import dev.kembed.engine.EmbeddingEngine;
import dev.kembed.engine.EngineException;
import dev.kembed.engine.EngineInfo;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one engine-side queue of a process, shared by every task and stream thread, and the threads
 * that run it: the plumbing around a {@link WindowQueue} (what runs next) and a {@link BatchRunner}
 * (how a batch runs). Tasks offer windows and return; workers take batches, run them, and apply the
 * outcome: results and window failures to each task's inbox, a batch the engine could not run back
 * to the front of the queue while the engine is down ({@link EngineHealth}) until a check passes.
 * Results are never applied on a worker thread: each task drains its own completions.
 *
 * <p>Nothing a batch does can kill a worker: every unit of work catches {@link Throwable}, and a
 * batch whose run threw goes back to the queue, never lost. A worker that dies anyway is replaced
 * and counted. {@link #stop} never lets the engine be closed under a running native call.
 *
 * <p>With {@code threads = 0} nothing runs by itself and {@link #step()} does one unit of work:
 * tests drive it with a fake {@link EngineClock}.
 */
public final class EngineWorkers implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EngineWorkers.class);
    static final long MAX_DOWN_PAUSE_MS = 30_000;

    private final EmbeddingEngine engine;
    private final WindowQueue queue;
    private final EngineHealth health;
    private final BatchRunner runner;
    private final EngineClock clock;
    private final EngineListener listener;
    private final long maxBlockNanos;
    private final int workerCount;
    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled when work arrives or the engine state changes. */
    private final Condition work = lock.newCondition();
    /** Signalled when the queue shrinks. */
    private final Condition space = lock.newCondition();
    /** Signalled when a unit of work ends (stop waits on it). */
    private final Condition idle = lock.newCondition();
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicInteger nextThreadId = new AtomicInteger();
    private final AtomicLong restarts = new AtomicLong();
    private int running;
    private boolean checking;
    private volatile boolean closing;

    /**
     * @param retries    retries of a transient failure before the batch is split or the engine checked
     * @param backoffMs  first retry delay (doubles per retry); also the first pause while the engine is down
     * @param maxBlockMs how long a stream thread may wait for queue space between two polls ({@link #admissionBudget})
     */
    public EngineWorkers(EmbeddingEngine engine, WindowQueue queue, int threads, int retries, long backoffMs, long maxBlockMs,
            EngineClock clock, EngineListener listener) {
        this.engine = engine;
        this.queue = queue;
        this.clock = clock;
        this.listener = listener;
        this.maxBlockNanos = TimeUnit.MILLISECONDS.toNanos(maxBlockMs);
        this.health = new EngineHealth(clock, backoffMs, MAX_DOWN_PAUSE_MS);
        this.runner = new BatchRunner(engine, clock, health, retries, TimeUnit.MILLISECONDS.toNanos(backoffMs));
        this.workerCount = threads;
        for (int i = 0; i < threads; i++) {
            startWorker();
        }
    }

    private void startWorker() {
        Thread t = new Thread(this::runLoop, "kembed-engine-" + nextThreadId.getAndIncrement());
        t.setDaemon(true);
        t.setUncaughtExceptionHandler((dead, e) -> replace(dead, e));
        synchronized (threads) {
            threads.add(t);
        }
        t.start();
    }

    /** Last resort: whatever escaped the loop's own catch. The worker is replaced, and counted. */
    private void replace(Thread dead, Throwable e) {
        synchronized (threads) {
            threads.remove(dead);
        }
        if (closing) {
            return;
        }
        restarts.incrementAndGet();
        LOG.error("engine worker {} died; starting a replacement", dead.getName(), e);
        try {
            listener.workerRestarted();
        } catch (Throwable ignored) {
            // a broken listener must not stop the replacement
        }
        startWorker();
    }

    public EngineHealth health() {
        return health;
    }

    public EngineInfo engineInfo() {
        return engine.info();
    }

    /** Workers configured. */
    public int workers() {
        return workerCount;
    }

    /** Worker threads alive now (readiness: fewer than {@link #workers()} means work may stall). */
    public int liveWorkers() {
        synchronized (threads) {
            return (int) threads.stream().filter(Thread::isAlive).count();
        }
    }

    public long workerRestarts() {
        return restarts.get();
    }

    public TaskHandle register(String taskName) {
        return new TaskHandle(taskName);
    }

    /**
     * A query's handle: its windows go to the priority lane (served before any queued document
     * window, outside the document bound) and each completion is handed to {@code sink} on the
     * worker thread, so it must only record it. {@link #abandon} it when the query ends.
     */
    public TaskHandle registerQuery(String name, java.util.function.Consumer<Completion> sink) {
        return new TaskHandle(name, true, java.util.Objects.requireNonNull(sink, "sink"));
    }

    /** A fresh wait budget: {@code kembed.queue.max.block.ms}, for everything a stream thread submits until its next poll. */
    public WaitBudget admissionBudget() {
        return WaitBudget.ofNanos(maxBlockNanos);
    }

    /**
     * Queues a window if there is space, waiting for space while {@code budget} lasts (and spending
     * it). Returns false when it did not fit: the caller keeps it (durably, in its pending store)
     * and offers it again later; nothing is queued past the queue's bound. A window the batch
     * policy cannot place (longer than every static shape) completes as failed, and counts as
     * handled (true). A priority owner's window never waits for space: it goes to the lane.
     */
    public boolean offer(TaskHandle owner, WindowJob job, WaitBudget budget) {
        if (owner.closed()) {
            return true;
        }
        try {
            queue.policy().bucket(job.window().length());
        } catch (EngineException e) {
            fail(owner, job, e);
            return true;
        }
        lock.lock();
        try {
            boolean fits = owner.priority() || queue.hasSpace();
            while (!fits && !closing && budget.remainingNanos() > 0) {
                long before = budget.remainingNanos();
                long left = clock.awaitNanos(space, before);
                budget.spend(before - Math.max(0, left));
                fits = queue.hasSpace();
            }
            if (!fits || closing) {
                listener.overflow();
                return false;
            }
            queue.add(owner, job, clock.nanoTime());
            work.signalAll();
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            lock.unlock();
        }
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
        withLock(() -> {
            if (queue.cancel(owner, docId) > 0) {
                space.signalAll();
            }
        });
    }

    /** Drops a closed or migrated task's queued windows; its results still in flight are discarded. */
    public void abandon(TaskHandle owner) {
        owner.close();
        withLock(() -> {
            queue.abandon(owner);
            space.signalAll();
        });
    }

    public int queued() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    /** Query windows waiting in the priority lane. */
    public int queuedQueries() {
        lock.lock();
        try {
            return queue.prioritySize();
        } finally {
            lock.unlock();
        }
    }

    /** Does the next unit of work that is due now (a batch or a health check); false if none is. */
    public boolean step() {
        Runnable next = nextWork();
        if (next == null) {
            return false;
        }
        next.run();
        return true;
    }

    private void runLoop() {
        while (!closing) {
            try {
                Runnable next = nextWork();
                if (next != null) {
                    next.run();
                    continue;
                }
                lock.lock();
                try {
                    long wait = nanosUntilWork();
                    if (!closing && wait > 0) {
                        if (wait == Long.MAX_VALUE) {
                            work.await();
                        } else {
                            work.awaitNanos(wait);
                        }
                    }
                } finally {
                    lock.unlock();
                }
            } catch (InterruptedException e) {
                if (closing) {
                    return;
                }
            } catch (Throwable e) { // a unit of work has its own catch; this is whatever got past it
                LOG.error("engine worker {}: unexpected failure; carrying on", Thread.currentThread().getName(), e);
            }
        }
    }

    /** Caller holds the lock. While the engine is down only the health check's time counts. */
    private long nanosUntilWork() {
        if (!health.up()) {
            return checking ? Long.MAX_VALUE : health.nanosToNextCheck();
        }
        long deadline = queue.nextDeadline();
        return deadline == Long.MAX_VALUE ? Long.MAX_VALUE : deadline - clock.nanoTime();
    }

    /** The next unit of work, marked running (so {@link #stop} waits for it); null if none is due. */
    private Runnable nextWork() {
        lock.lock();
        try {
            if (closing) {
                return null;
            }
            if (!health.up()) {
                if (checking || health.nanosToNextCheck() > 0) {
                    return null;
                }
                checking = true;
                running++;
                return this::recheck;
            }
            long now = clock.nanoTime();
            List<WindowQueue.Entry> batch = queue.poll(now, Integer.MAX_VALUE);
            if (batch.isEmpty()) {
                return null;
            }
            for (WindowQueue.Entry e : batch) {
                if (e.owner().priority()) {
                    notifyQuietly(() -> listener.priorityWait(now - e.enqueuedNanos()));
                }
            }
            space.signalAll();
            running++;
            return () -> run(new ArrayList<>(batch));
        } finally {
            lock.unlock();
        }
    }

    private void recheck() {
        String checkError = "health check did not finish";
        try {
            checkError = runner.healthCheckError();
        } finally {
            lock.lock();
            try {
                checking = false;
                if (checkError == null) {
                    health.markUp();
                    LOG.info("engine health check passed: taking work again ({} windows queued)", queue.size());
                    notifyQuietly(listener::engineUp);
                } else {
                    long pause = health.markDown(checkError);
                    LOG.warn("engine still down ({}); next check in {} ms", checkError, pause);
                }
                work.signalAll();
                finished();
            } finally {
                lock.unlock();
            }
        }
    }

    private void run(List<WindowQueue.Entry> batch) {
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
                withLock(() -> {
                    queue.putBack(batch);
                    work.signalAll();
                });
                return;
            }
            apply(outcome);
        } finally {
            withLock(this::finished);
        }
    }

    /** Caller holds the lock: one unit of work fewer. */
    private void finished() {
        running--;
        idle.signalAll();
    }

    private void apply(BatchRunner.Outcome outcome) {
        for (BatchRunner.Ran ran : outcome.ran()) {
            List<WindowQueue.Entry> entries = ran.entries();
            for (int i = 0; i < entries.size(); i++) {
                entries.get(i).owner().deliver(Completion.ok(entries.get(i).job(), ran.result().windows().get(i)));
            }
            notifyQuietly(() -> report(ran));
        }
        for (BatchRunner.Failed f : outcome.failed()) {
            LOG.warn("window {} of document {} failed ({}): {}", f.entry().job().windowIndex(), f.entry().job().docId(), f.error().reason(),
                    f.error().getMessage());
            fail(f.entry().owner(), f.entry().job(), f.error());
        }
        if (outcome.engineDown()) {
            lock.lock();
            try {
                queue.putBack(outcome.held());
                long pause = health.markDown(outcome.downReason());
                LOG.error("engine is down ({}); holding {} windows, next check in {} ms", outcome.downReason(), queue.size(), pause);
                notifyQuietly(() -> listener.engineDown(outcome.downReason()));
                work.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    private void report(BatchRunner.Ran ran) {
        Set<Integer> partitions = new HashSet<>();
        Set<TaskHandle> owners = new HashSet<>();
        long oldest = Long.MAX_VALUE;
        int realTokens = 0;
        for (WindowQueue.Entry e : ran.entries()) {
            partitions.add(e.job().partition());
            owners.add(e.owner());
            oldest = Math.min(oldest, e.enqueuedNanos());
            realTokens += e.job().window().length();
        }
        listener.batch(ran.entries().size(), ran.result().computedTokens(), realTokens, partitions.size(), owners.size(),
                clock.nanoTime() - oldest, ran.result().inferenceNanos());
    }

    /** Metrics must never cost a result: a listener that throws is logged and ignored. */
    private static void notifyQuietly(Runnable r) {
        try {
            r.run();
        } catch (Throwable e) {
            LOG.warn("engine listener failed: {}", e.toString());
        }
    }

    private void fail(TaskHandle owner, WindowJob job, EngineException e) {
        notifyQuietly(() -> listener.windowFailed(e.reason()));
        owner.deliver(Completion.failed(job, e.reason(), e.getMessage()));
    }

    private void withLock(Runnable r) {
        lock.lock();
        try {
            r.run();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Stops taking work and waits at most {@code timeout} for the units running now. Returns true
     * when none is still running, so the engine may be closed; false means a worker is still inside
     * an engine call, and closing the engine under it could crash the process.
     */
    public boolean stop(Duration timeout) {
        closing = true;
        List<Thread> current;
        synchronized (threads) {
            current = new ArrayList<>(threads);
        }
        lock.lock();
        try {
            work.signalAll();
            space.signalAll();
            long left = timeout.toNanos();
            while (running > 0 && left > 0) {
                left = idle.awaitNanos(left);
            }
            queue.clear();
            if (running > 0) {
                LOG.warn("{} engine call(s) still running after {} s", running, timeout.toSeconds());
                return false;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            lock.unlock();
        }
        current.forEach(Thread::interrupt); // idle waits only: no unit of work is running
        return true;
    }

    @Override
    public void close() {
        stop(Duration.ofSeconds(60));
    }
}
