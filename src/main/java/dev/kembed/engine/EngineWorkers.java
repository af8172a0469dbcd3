package dev.kembed.engine;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one engine-side queue of a process, shared by every task and stream thread, and the
 * threads that run it. Tasks submit windows and return at once; workers take batches from the
 * {@link WindowQueue}, run them, retry retryable ({@link EngineException#transientFailure}) failures with
 * backoff, and split a failing batch to isolate the window at fault. A window fails on its own
 * (dead-lettered) only when the engine passes its health check right after; otherwise the engine
 * is down ({@link EngineHealth}): the work goes back to the queue and is held until a check passes.
 * Results are never applied on a worker thread: each task drains its own completions.
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
    private final EngineClock clock;
    private final EngineListener listener;
    private final int retries;
    private final long backoffNanos;
    private final long maxBlockNanos;
    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled when work arrives or the engine state changes. */
    private final Condition work = lock.newCondition();
    /** Signalled when the queue shrinks. */
    private final Condition space = lock.newCondition();
    private final List<Thread> threads = new ArrayList<>();
    private boolean checking;
    private volatile boolean closing;

    /**
     * @param retries    retries of a transient failure before the batch is split or the engine checked
     * @param backoffMs  first retry delay (doubles per retry); also the first pause while the engine is down
     * @param maxBlockMs how long {@link #submit} waits for space before queueing anyway (counted as an overflow)
     */
    public EngineWorkers(EmbeddingEngine engine, WindowQueue queue, int threads, int retries, long backoffMs, long maxBlockMs,
            EngineClock clock, EngineListener listener) {
        this.engine = engine;
        this.queue = queue;
        this.clock = clock;
        this.listener = listener;
        this.retries = retries;
        this.backoffNanos = TimeUnit.MILLISECONDS.toNanos(backoffMs);
        this.maxBlockNanos = TimeUnit.MILLISECONDS.toNanos(maxBlockMs);
        this.health = new EngineHealth(clock, backoffMs, MAX_DOWN_PAUSE_MS);
        for (int i = 0; i < threads; i++) {
            Thread t = new Thread(this::runLoop, "kembed-engine-" + i);
            t.setDaemon(true);
            this.threads.add(t);
            t.start();
        }
    }

    public EngineHealth health() {
        return health;
    }

    public EngineInfo engineInfo() {
        return engine.info();
    }

    public TaskHandle register(String taskName) {
        return new TaskHandle(taskName);
    }

    /**
     * Queues a window. Waits while the queue is full, at most {@code maxBlockMs} in all; then
     * queues it anyway so a stuck engine surfaces as an overflow metric, not a fenced stream thread.
     * A window the batch policy cannot place (longer than every static shape) completes as failed.
     */
    public void submit(TaskHandle owner, WindowJob job) {
        if (owner.closed()) {
            return;
        }
        try {
            queue.policy().bucket(job.window().length());
        } catch (EngineException e) {
            fail(owner, job, e);
            return;
        }
        lock.lock();
        try {
            long left = maxBlockNanos;
            while (!queue.hasSpace() && left > 0 && !closing) {
                left = space.awaitNanos(left);
            }
            if (!queue.hasSpace()) {
                listener.overflow();
            }
            queue.add(owner, job, clock.nanoTime());
            work.signalAll();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for space in the engine queue", e);
        } finally {
            lock.unlock();
        }
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
            } catch (InterruptedException e) {
                return;
            } finally {
                lock.unlock();
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
                return this::recheck;
            }
            List<WindowQueue.Entry> batch = queue.poll(clock.nanoTime(), Integer.MAX_VALUE);
            if (batch.isEmpty()) {
                return null;
            }
            space.signalAll();
            return () -> run(new ArrayList<>(batch));
        } finally {
            lock.unlock();
        }
    }

    private void recheck() {
        String checkError = healthCheckError();
        lock.lock();
        try {
            checking = false;
            if (checkError == null) {
                health.markUp();
                LOG.info("engine health check passed: taking work again ({} windows queued)", queue.size());
                listener.engineUp();
            } else {
                long pause = health.markDown(checkError);
                LOG.warn("engine still down ({}); next check in {} ms", checkError, pause);
            }
            work.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Runs the engine's health check: null if it serves, else what the check failed with. */
    private String healthCheckError() {
        try {
            engine.healthCheck();
            return null;
        } catch (RuntimeException e) {
            return String.valueOf(e.getMessage());
        }
    }

    private void run(List<WindowQueue.Entry> batch) {
        batch.removeIf(e -> e.owner().closed());
        if (batch.isEmpty()) {
            return;
        }
        List<EngineWindow> windows = new ArrayList<>(batch.size());
        Set<Integer> partitions = new HashSet<>();
        Set<TaskHandle> owners = new HashSet<>();
        long oldest = Long.MAX_VALUE;
        int realTokens = 0;
        for (WindowQueue.Entry e : batch) {
            windows.add(e.job().window());
            partitions.add(e.job().partition());
            owners.add(e.owner());
            oldest = Math.min(oldest, e.enqueuedNanos());
            realTokens += e.job().window().length();
        }
        long waited = clock.nanoTime() - oldest;
        BatchResult r;
        try {
            r = runWithRetries(WindowBatch.of(windows));
        } catch (EngineException e) {
            failed(batch, e);
            return;
        }
        listener.batch(batch.size(), r.computedTokens(), realTokens, partitions.size(), owners.size(), waited, r.inferenceNanos());
        for (int i = 0; i < batch.size(); i++) {
            batch.get(i).owner().deliver(Completion.ok(batch.get(i).job(), r.windows().get(i)));
        }
    }

    private void failed(List<WindowQueue.Entry> batch, EngineException e) {
        String checkError = e.badInput() ? null : healthCheckError();
        if (checkError != null) {
            lock.lock();
            try {
                queue.putBack(batch);
                long pause = health.markDown(e.getMessage());
                LOG.error("engine is down ({}; health check: {}); holding {} windows, next check in {} ms", e.getMessage(),
                        checkError, queue.size(), pause);
                listener.engineDown(e.getMessage());
            } finally {
                lock.unlock();
            }
            return;
        }
        if (batch.size() == 1) {
            // the engine serves, so this window is at fault: its document goes to the dead-letter topic
            LOG.warn("window {} of document {} failed ({}): {}", batch.get(0).job().windowIndex(), batch.get(0).job().docId(), e.reason(),
                    e.getMessage());
            fail(batch.get(0).owner(), batch.get(0).job(), e);
            return;
        }
        for (int i = 0; i < batch.size(); i++) {
            if (!health.up()) {
                List<WindowQueue.Entry> rest = batch.subList(i, batch.size());
                withLock(() -> {
                    queue.putBack(rest);
                    work.signalAll();
                });
                return;
            }
            run(new ArrayList<>(List.of(batch.get(i))));
        }
    }

    private void fail(TaskHandle owner, WindowJob job, EngineException e) {
        listener.windowFailed(e.reason());
        owner.deliver(Completion.failed(job, e.reason(), e.getMessage()));
    }

    private BatchResult runWithRetries(WindowBatch batch) {
        for (int attempt = 0; ; attempt++) {
            EngineException failure;
            try {
                return engine.embed(batch);
            } catch (EngineException e) {
                failure = e;
            } catch (RuntimeException e) {
                failure = EngineException.fatal("engine failed unexpectedly: " + e, e);
            }
            if (!failure.retryable() || attempt >= retries) {
                throw failure;
            }
            try {
                clock.sleepNanos(backoffNanos << attempt);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                throw failure;
            }
        }
    }

    private void withLock(Runnable r) {
        lock.lock();
        try {
            r.run();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        closing = true;
        withLock(() -> {
            work.signalAll();
            space.signalAll();
        });
        for (Thread t : threads) {
            t.interrupt();
        }
        for (Thread t : threads) {
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        withLock(queue::clear);
    }
}
