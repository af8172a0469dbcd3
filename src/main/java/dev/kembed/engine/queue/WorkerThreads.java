package dev.kembed.engine.queue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;

/**
 * The worker threads' lifecycle: each runs the same loop (the picker's); one that dies of
 * something the loop did not catch is replaced and counted, unless the workers are closing; so is
 * one the watchdog abandoned inside a hung engine call (it cannot be interrupted, and may never
 * return). Daemon threads named {@code kembed-engine-N}.
 */
final class WorkerThreads {
    private static final Logger LOG = WorkerLog.LOG;

    private final int count;
    private final Runnable loop;
    private final BooleanSupplier closing;
    private final EngineListener listener;
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicInteger nextThreadId = new AtomicInteger();
    private final AtomicLong restarts = new AtomicLong();

    WorkerThreads(int count, Runnable loop, BooleanSupplier closing, EngineListener listener) {
        this.count = count;
        this.loop = loop;
        this.closing = closing;
        this.listener = listener;
    }

    void startAll() {
        for (int i = 0; i < count; i++) {
            startWorker();
        }
    }

    private void startWorker() {
        Thread t = new Thread(loop, "kembed-engine-" + nextThreadId.getAndIncrement());
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
        if (closing.getAsBoolean()) {
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

    /** {@code stuck} is inside a call that may never return: it no longer counts, and a fresh worker takes its place. */
    void abandon(Thread stuck) {
        boolean ours;
        synchronized (threads) {
            ours = threads.remove(stuck);
        }
        if (!ours || closing.getAsBoolean()) {
            return;
        }
        restarts.incrementAndGet();
        LOG.warn("engine worker {} is stuck in a hung engine call; starting a replacement", stuck.getName());
        try {
            listener.workerRestarted();
        } catch (Throwable ignored) {
            // a broken listener must not stop the replacement
        }
        startWorker();
    }

    /** Workers configured. */
    int configured() {
        return count;
    }

    int alive() {
        synchronized (threads) {
            return (int) threads.stream().filter(Thread::isAlive).count();
        }
    }

    long restarts() {
        return restarts.get();
    }

    /** The threads now (stopping interrupts these once no unit of work runs). */
    List<Thread> current() {
        synchronized (threads) {
            return new ArrayList<>(threads);
        }
    }
}
