package dev.kembed.engine;

import dev.kembed.engine.BatchResult;
import dev.kembed.engine.EmbeddingEngine;
import dev.kembed.engine.EngineException;
import dev.kembed.engine.EngineWindow;
import dev.kembed.engine.WindowBatch;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one engine-side queue of a process, shared by every task and stream thread. Tasks submit
 * windows and return at once; engine threads cut batches by {@link BatchPolicy} (length bucket,
 * token budget, max windows, max wait), taking windows round-robin across tasks so one busy
 * partition cannot starve another, and run them. Results are never applied on an engine thread:
 * each task drains its own completions. A closed task's queued work is dropped and its late
 * results are discarded; whoever owns the task next resubmits from the store.
 */
public final class BatchingQueue implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BatchingQueue.class);

    /** A task's registration: one per task incarnation. */
    public static final class TaskHandle {
        private final String name;
        private final ConcurrentLinkedQueue<Completion> completions = new ConcurrentLinkedQueue<>();
        private volatile boolean closed;

        private TaskHandle(String name) {
            this.name = name;
        }

        public String name() {
            return name;
        }

        public boolean closed() {
            return closed;
        }
    }

    /** Observes batches (metrics, tests). */
    public interface Listener {
        void batch(int windows, int paddedLength, int realTokens, int partitions, int tasks, long queueWaitNanos, long inferenceNanos);

        default void overflow() {}

        default void failure(String message) {}

        Listener NONE = (w, l, r, p, t, q, i) -> {};
    }

    private record Queued(TaskHandle owner, WindowJob job, long enqueuedNanos) {}

    private final EmbeddingEngine engine;
    private final BatchPolicy policy;
    private final int maxQueued;
    private final long maxBlockNanos;
    private final int retries;
    private final long backoffMs;
    private final Listener listener;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition work = lock.newCondition();
    private final Condition space = lock.newCondition();
    /** bucket length -> owner -> that owner's queued windows (insertion order = round-robin order). */
    private final TreeMap<Integer, LinkedHashMap<TaskHandle, ArrayDeque<Queued>>> buckets = new TreeMap<>();
    private final List<Thread> threads = new ArrayList<>();
    private int queued;
    private volatile boolean closing;
    /** Windows that failed alone in a row, across documents; reset by any successful batch. */
    private volatile int consecutiveFailures;
    static final int ENGINE_DOWN_AFTER = 3;
    static final long MAX_DOWN_PAUSE_MS = 30_000;

    /**
     * @param maxQueued     windows queued across all tasks before submitters wait
     * @param maxBlockMs    how long a submitter waits for space before admitting anyway (and counting an overflow)
     * @param engineThreads threads calling the engine concurrently
     */
    public BatchingQueue(EmbeddingEngine engine, BatchPolicy policy, int maxQueued, long maxBlockMs, int engineThreads,
            int retries, long backoffMs, Listener listener) {
        this.engine = engine;
        this.policy = policy;
        this.maxQueued = maxQueued;
        this.maxBlockNanos = TimeUnit.MILLISECONDS.toNanos(maxBlockMs);
        this.retries = retries;
        this.backoffMs = backoffMs;
        this.listener = listener;
        for (int i = 0; i < engineThreads; i++) {
            Thread t = new Thread(this::runLoop, "kembed-engine-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    public TaskHandle register(String taskName) {
        return new TaskHandle(taskName);
    }

    /**
     * Queues a window. Waits while the queue is full, at most {@code maxBlockMs} in all; then
     * admits the window anyway so a stuck engine surfaces as an overflow metric, not a fenced thread.
     */
    public void submit(TaskHandle owner, WindowJob job) {
        if (owner.closed) {
            return;
        }
        lock.lock();
        try {
            long left = maxBlockNanos;
            while (queued >= maxQueued && left > 0 && !closing) {
                left = space.awaitNanos(left);
            }
            if (queued >= maxQueued) {
                listener.overflow();
            }
            int bucket = policy.bucket(job.window().length());
            buckets.computeIfAbsent(bucket, b -> new LinkedHashMap<>())
                    .computeIfAbsent(owner, o -> new ArrayDeque<>())
                    .add(new Queued(owner, job, System.nanoTime()));
            queued++;
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

    /** Drops the queued windows of one document (superseded or deleted); in-flight ones are ignored on arrival. */
    public void cancel(TaskHandle owner, String docId) {
        lock.lock();
        try {
            for (var perOwner : buckets.values()) {
                ArrayDeque<Queued> q = perOwner.get(owner);
                if (q != null) {
                    int before = q.size();
                    q.removeIf(x -> x.job().docId().equals(docId));
                    queued -= before - q.size();
                    if (q.isEmpty()) {
                        perOwner.remove(owner);
                    }
                }
            }
            buckets.values().removeIf(Map::isEmpty);
            space.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Drops a closed or migrated task's queued windows; results already in flight are discarded. */
    public void abandon(TaskHandle owner) {
        owner.closed = true;
        lock.lock();
        try {
            for (var perOwner : buckets.values()) {
                ArrayDeque<Queued> q = perOwner.remove(owner);
                if (q != null) {
                    queued -= q.size();
                }
            }
            buckets.values().removeIf(Map::isEmpty);
            space.signalAll();
        } finally {
            lock.unlock();
        }
        owner.completions.clear();
    }

    public int queued() {
        lock.lock();
        try {
            return queued;
        } finally {
            lock.unlock();
        }
    }

    private void runLoop() {
        while (!closing) {
            List<Queued> batch;
            try {
                batch = nextBatch();
            } catch (InterruptedException e) {
                return;
            }
            if (batch != null && !batch.isEmpty()) {
                run(batch);
            }
        }
    }

    /** Blocks until some bucket is ready, then removes and returns its batch. */
    List<Queued> nextBatch() throws InterruptedException {
        lock.lock();
        try {
            while (!closing) {
                long now = System.nanoTime();
                Integer chosen = null;
                long chosenOldest = Long.MAX_VALUE;
                long nextDeadline = Long.MAX_VALUE;
                for (var e : buckets.entrySet()) {
                    int count = 0;
                    long oldest = Long.MAX_VALUE;
                    for (ArrayDeque<Queued> q : e.getValue().values()) {
                        count += q.size();
                        if (!q.isEmpty()) {
                            oldest = Math.min(oldest, q.peekFirst().enqueuedNanos());
                        }
                    }
                    if (count == 0) {
                        continue;
                    }
                    long deadline = oldest + TimeUnit.MILLISECONDS.toNanos(policy.maxWaitMs());
                    boolean ready = count >= policy.capacity(e.getKey()) || deadline <= now;
                    if (ready && oldest < chosenOldest) {
                        chosen = e.getKey();
                        chosenOldest = oldest;
                    } else if (!ready) {
                        nextDeadline = Math.min(nextDeadline, deadline);
                    }
                }
                if (chosen != null) {
                    return take(chosen);
                }
                if (nextDeadline == Long.MAX_VALUE) {
                    work.await();
                } else {
                    work.awaitNanos(Math.max(1, nextDeadline - now));
                }
            }
            return null;
        } finally {
            lock.unlock();
        }
    }

    /** Round-robin over owners, oldest window of each first. Caller holds the lock. */
    private List<Queued> take(int bucket) {
        LinkedHashMap<TaskHandle, ArrayDeque<Queued>> perOwner = buckets.get(bucket);
        int capacity = policy.capacity(bucket);
        List<Queued> batch = new ArrayList<>(capacity);
        while (batch.size() < capacity && !perOwner.isEmpty()) {
            List<TaskHandle> order = new ArrayList<>(perOwner.keySet());
            for (TaskHandle owner : order) {
                if (batch.size() >= capacity) {
                    break;
                }
                ArrayDeque<Queued> q = perOwner.get(owner);
                batch.add(q.pollFirst());
                // move the owner to the back so the next batch starts with someone else
                perOwner.remove(owner);
                if (!q.isEmpty()) {
                    perOwner.put(owner, q);
                }
            }
        }
        if (perOwner.isEmpty()) {
            buckets.remove(bucket);
        }
        queued -= batch.size();
        space.signalAll();
        return batch;
    }

    private void run(List<Queued> batch) {
        batch.removeIf(q -> q.owner().closed);
        if (batch.isEmpty()) {
            return;
        }
        if (engineDown() && batch.size() > 1) {
            // while the engine looks down, probe it with one window and keep the rest queued
            requeueFront(batch.subList(1, batch.size()));
            batch = new ArrayList<>(batch.subList(0, 1));
        }
        List<EngineWindow> windows = new ArrayList<>(batch.size());
        Set<Integer> partitions = new HashSet<>();
        Set<TaskHandle> owners = new HashSet<>();
        long oldest = Long.MAX_VALUE;
        int realTokens = 0;
        for (Queued q : batch) {
            windows.add(q.job().window());
            partitions.add(q.job().partition());
            owners.add(q.owner());
            oldest = Math.min(oldest, q.enqueuedNanos());
            realTokens += q.job().window().length();
        }
        long waited = System.nanoTime() - oldest;
        try {
            BatchResult r = runWithRetries(WindowBatch.of(windows));
            consecutiveFailures = 0;
            listener.batch(batch.size(), r.paddedLength(), realTokens, partitions.size(), owners.size(), waited, r.inferenceNanos());
            for (int i = 0; i < batch.size(); i++) {
                deliver(batch.get(i), new Completion(batch.get(i).job(), r.windows().get(i), null));
            }
        } catch (EngineException e) {
            listener.failure(e.getMessage());
            if (batch.size() > 1) {
                // isolate the window that fails instead of failing its neighbours
                for (int i = 0; i < batch.size(); i++) {
                    if (engineDown()) {
                        requeueFront(batch.subList(i, batch.size()));
                        return;
                    }
                    run(new ArrayList<>(List.of(batch.get(i))));
                }
            } else if (++consecutiveFailures >= ENGINE_DOWN_AFTER) {
                hold(batch.get(0), e);
            } else {
                LOG.warn("engine failed on window {} of document {} after {} retries: {}", batch.get(0).job().windowIndex(),
                        batch.get(0).job().docId(), retries, e.getMessage());
                deliver(batch.get(0), new Completion(batch.get(0).job(), null, e.getMessage()));
            }
        }
    }

    /**
     * Several different windows failing on their own in a row is the engine, not the input: the
     * window goes to the back of the queue (so the next probe is another one) and the engine thread
     * pauses, growing and capped, rather than dead-lettering every document while the engine is down.
     * A single success ends it; a window that alone keeps failing is then reported as usual.
     */
    private void hold(Queued q, EngineException e) {
        requeue(q, false);
        long pause = Math.min(MAX_DOWN_PAUSE_MS, Math.max(1, backoffMs) << Math.min(20, consecutiveFailures - ENGINE_DOWN_AFTER));
        LOG.error("engine failed on {} windows in a row ({}); holding work, next try in {} ms", consecutiveFailures, e.getMessage(), pause);
        sleepQuietly(pause);
    }

    private void requeueFront(List<Queued> work) {
        for (int j = work.size() - 1; j >= 0; j--) {
            requeue(work.get(j), true);
        }
    }

    private void requeue(Queued q, boolean front) {
        if (q.owner().closed) {
            return;
        }
        lock.lock();
        try {
            ArrayDeque<Queued> deque = buckets.computeIfAbsent(policy.bucket(q.job().window().length()), b -> new LinkedHashMap<>())
                    .computeIfAbsent(q.owner(), o -> new ArrayDeque<>());
            if (front) {
                deque.addFirst(q);
            } else {
                deque.addLast(q);
            }
            queued++;
        } finally {
            lock.unlock();
        }
    }

    private void sleepQuietly(long ms) {
        try {
            lock.lock();
            try {
                // wakes early on close
                if (!closing) {
                    space.awaitNanos(TimeUnit.MILLISECONDS.toNanos(ms));
                }
            } finally {
                lock.unlock();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** True while the last windows all failed on their own: the engine looks down. */
    public boolean engineDown() {
        return consecutiveFailures >= ENGINE_DOWN_AFTER;
    }

    private BatchResult runWithRetries(WindowBatch batch) {
        EngineException last = null;
        for (int attempt = 0; attempt <= retries; attempt++) {
            try {
                return engine.embed(batch);
            } catch (EngineException e) {
                last = e;
                if (!e.retryable()) {
                    break;
                }
                if (attempt < retries) {
                    try {
                        Thread.sleep(backoffMs << attempt);
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                        break;
                    }
                }
            } catch (RuntimeException e) {
                last = new EngineException(e.toString(), false, e);
            }
        }
        throw last;
    }

    private static void deliver(Queued q, Completion c) {
        if (!q.owner().closed) {
            q.owner().completions.add(c);
        }
    }

    @Override
    public void close() {
        closing = true;
        lock.lock();
        try {
            work.signalAll();
            space.signalAll();
        } finally {
            lock.unlock();
        }
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
        buckets.clear();
    }

}
