package dev.kembed.engine.queue;

import dev.kembed.engine.EmbeddingEngine;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * The watchdog of engine calls. Every unit of work a worker runs is registered here; a call past
 * its {@link CallDeadline} is abandoned: a native call cannot be interrupted, so the worker
 * thread inside it is given up (and replaced), and {@code onHung} puts the unit's batch back and
 * takes the engine instance out of service ({@link HealthWatch#callHung}). Checked by a daemon
 * thread of its own, or, with no worker threads, at every {@link EngineWorkers#step()}: the
 * check is a function of the clock, so tests drive it with a fake one.
 */
final class HangWatch {
    private final EngineClock clock;
    private final Set<RunningUnit> running = ConcurrentHashMap.newKeySet();
    private final Set<Thread> abandonedThreads = ConcurrentHashMap.newKeySet();
    private volatile BiConsumer<RunningUnit, String> onHung = (u, reason) -> {};

    HangWatch(EngineClock clock) {
        this.clock = clock;
    }

    /** Who takes over an abandoned unit (called with the queue's lock held). */
    void onHung(BiConsumer<RunningUnit, String> onHung) {
        this.onHung = onHung;
    }

    /** A unit of work on {@code engine} starts on this thread. */
    RunningUnit begin(EmbeddingEngine engine, List<WindowQueue.Entry> entries, boolean check) {
        RunningUnit unit = new RunningUnit(Thread.currentThread(), engine, entries, check);
        running.add(unit);
        return unit;
    }

    void end(RunningUnit unit) {
        running.remove(unit);
    }

    /** Caller holds the queue's lock: abandons every call past its deadline. */
    void check() {
        long now = clock.nanoTime();
        for (RunningUnit unit : running) {
            if (unit.abandonIfPast(now)) {
                running.remove(unit);
                abandonedThreads.add(unit.thread());
                onHung.accept(unit, reason(unit, now));
            }
        }
    }

    /** Age of the oldest engine call the workers still wait for, 0 when none. */
    long oldestCallNanos() {
        long now = clock.nanoTime();
        long oldest = 0;
        for (RunningUnit unit : running) {
            oldest = Math.max(oldest, unit.callAge(now));
        }
        return oldest;
    }

    /** Whether this thread was abandoned inside a hung call (it must not take work again, should the call ever return). */
    boolean abandoned(Thread t) {
        return abandonedThreads.contains(t);
    }

    private static String reason(RunningUnit unit, long now) {
        return String.format(Locale.ROOT, "%s running for %.1f s, past its deadline of %.1f s", unit.callShape(), seconds(now - unit.callStart()),
                seconds(unit.callDeadline() - unit.callStart()));
    }

    private static double seconds(long nanos) {
        return nanos / (double) TimeUnit.SECONDS.toNanos(1);
    }
}
