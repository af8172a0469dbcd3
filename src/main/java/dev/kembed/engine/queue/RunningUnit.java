package dev.kembed.engine.queue;

import dev.kembed.engine.EmbeddingEngine;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A unit of work a worker runs (a batch, or a health check) on one engine instance, as the
 * {@link HangWatch} sees it: while inside an engine call, when the call started, its deadline and
 * its shape. Its state decides once who owns the outcome: the worker when the unit completes, or
 * the watchdog when it abandons a call past its deadline. Then the batch is back in the queue, and
 * whatever the call returns later is dropped ({@link Abandoned}), so no window is delivered twice.
 */
final class RunningUnit {
    private static final int IDLE = 0;
    private static final int IN_CALL = 1;
    private static final int DONE = 2;
    private static final int ABANDONED = 3;

    /** Thrown out of an engine call that returned after the watchdog gave it up; no stack: it is control flow. */
    static final class Abandoned extends RuntimeException {
        Abandoned() {
            super("engine call abandoned past its deadline", null, false, false);
        }
    }

    private final Thread thread;
    private final EmbeddingEngine engine;
    private final List<WindowQueue.Entry> entries;
    private final boolean check;
    private final AtomicInteger state = new AtomicInteger(IDLE);
    private volatile long callStart;
    private volatile long callDeadline;
    private volatile String callShape;

    RunningUnit(Thread thread, EmbeddingEngine engine, List<WindowQueue.Entry> entries, boolean check) {
        this.thread = thread;
        this.engine = engine;
        this.entries = List.copyOf(entries);
        this.check = check;
    }

    Thread thread() {
        return thread;
    }

    EmbeddingEngine engine() {
        return engine;
    }

    /** The batch's windows (none for a health check): what goes back to the queue if the unit is abandoned. */
    List<WindowQueue.Entry> entries() {
        return entries;
    }

    boolean check() {
        return check;
    }

    /** An engine call starts now; {@code shape} says what it is in the watchdog's reason. */
    void enterCall(long now, long deadlineNanos, String shape) {
        callStart = now;
        callDeadline = now + deadlineNanos;
        callShape = shape;
        if (!state.compareAndSet(IDLE, IN_CALL)) {
            throw new Abandoned();
        }
    }

    /** The call returned (or threw); throws {@link Abandoned} if the watchdog gave it up meanwhile. */
    void leaveCall() {
        if (!state.compareAndSet(IN_CALL, IDLE)) {
            throw new Abandoned();
        }
    }

    /** The worker owns the outcome (false: abandoned, deliver nothing). */
    boolean complete() {
        return state.compareAndSet(IDLE, DONE);
    }

    /** The watchdog owns the unit if its call is past its deadline at {@code now}. */
    boolean abandonIfPast(long now) {
        return state.get() == IN_CALL && now - callDeadline >= 0 && state.compareAndSet(IN_CALL, ABANDONED);
    }

    boolean abandoned() {
        return state.get() == ABANDONED;
    }

    /** How long the call in progress has run, or -1 outside a call. */
    long callAge(long now) {
        return state.get() == IN_CALL ? now - callStart : -1;
    }

    long callStart() {
        return callStart;
    }

    long callDeadline() {
        return callDeadline;
    }

    String callShape() {
        return callShape;
    }
}
