package dev.kembed.engine.queue;

import java.time.Duration;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;

/**
 * The process's {@link WindowQueue} as submitters and workers share it: the one lock around it
 * (the queue itself is plain state, not thread-safe), the signals they wait on, how many units of
 * work are running, and whether the workers are closing. Every touch of the queue holds the lock.
 * Releasing the lock publishes whether the queue has work ({@link #activity()}: what workers that
 * yield to these read, and are woken by).
 */
final class GuardedQueue {
    private static final Logger LOG = WorkerLog.LOG;

    private final WindowQueue queue;
    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled when work arrives or the engine state changes. */
    private final Condition work = lock.newCondition();
    /** Signalled when the queue shrinks. */
    private final Condition space = lock.newCondition();
    /** Signalled when a unit of work ends (stop waits on it). */
    private final Condition idle = lock.newCondition();
    private int running;
    private volatile boolean closing;
    private final QueueActivity activity = new QueueActivity();

    GuardedQueue(WindowQueue queue) {
        this.queue = queue;
    }

    /** The queue itself: the caller holds the lock, except for its fixed {@link WindowQueue#policy()}. */
    WindowQueue queue() {
        return queue;
    }

    void lock() {
        lock.lock();
    }

    /** Releases the lock, publishing whether the queue has work; if it just went idle, tells the idle listeners (lock released). */
    void unlock() {
        boolean wentIdle = activity.update(queue.size() > 0 || queue.prioritySize() > 0 || running > 0);
        lock.unlock();
        if (wentIdle) {
            activity.notifyIdle();
        }
    }

    void withLock(Runnable r) {
        lock.lock();
        try {
            r.run();
        } finally {
            unlock();
        }
    }

    /** Whether windows are queued or units of work run, as of the last release of the lock, and its idle listeners. */
    QueueActivity activity() {
        return activity;
    }

    int size() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    int prioritySize() {
        lock.lock();
        try {
            return queue.prioritySize();
        } finally {
            lock.unlock();
        }
    }

    long laneTokens() {
        lock.lock();
        try {
            return queue.laneTokens();
        } finally {
            lock.unlock();
        }
    }

    /** Caller holds the lock: wakes the workers (work arrived, or the engine state changed). */
    void signalWork() {
        work.signalAll();
    }

    /** Caller holds the lock: wakes submitters waiting for space (the queue shrank). */
    void signalSpace() {
        space.signalAll();
    }

    /** What a submitter waits on for space (through its clock). */
    Condition space() {
        return space;
    }

    /** Caller holds the lock: a worker with nothing due waits for work at most {@code nanos} ({@link Long#MAX_VALUE}: until signalled). */
    void awaitWork(long nanos) throws InterruptedException {
        if (nanos == Long.MAX_VALUE) {
            work.await();
        } else {
            work.awaitNanos(nanos);
        }
    }

    /** Caller holds the lock: one unit of work more (stop waits for it). */
    void started() {
        running++;
    }

    /** Caller holds the lock: one unit of work fewer. */
    void finished() {
        running--;
        idle.signalAll();
    }

    boolean closing() {
        return closing;
    }

    /** No more work is taken or admitted from now on. */
    void markClosing() {
        closing = true;
    }

    /**
     * Wakes every waiter, waits at most {@code timeout} for the running units and empties the
     * queue. True when none is still running.
     */
    boolean awaitIdle(Duration timeout) {
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
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            unlock();
        }
    }
}
