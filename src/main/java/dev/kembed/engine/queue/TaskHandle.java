package dev.kembed.engine.queue;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A submitter's registration with the workers: one per task incarnation (its completions wait in
 * its own inbox until the task drains them), or one per query (priority lane: served before any
 * document window, its completions handed to a sink on the worker thread).
 */
public final class TaskHandle {
    private static final Logger LOG = LoggerFactory.getLogger(TaskHandle.class);

    private final String name;
    private final boolean priority;
    private final Consumer<Completion> sink;
    final ConcurrentLinkedQueue<Completion> completions = new ConcurrentLinkedQueue<>();
    private volatile boolean closed;

    TaskHandle(String name) {
        this(name, false, null);
    }

    TaskHandle(String name, boolean priority, Consumer<Completion> sink) {
        this.name = name;
        this.priority = priority;
        this.sink = sink;
    }

    public String name() {
        return name;
    }

    /** Windows of a priority owner (queries) run before any queued document window and are not bounded by the document queue. */
    public boolean priority() {
        return priority;
    }

    public boolean closed() {
        return closed;
    }

    void close() {
        closed = true;
        completions.clear();
    }

    void deliver(Completion c) {
        if (closed) {
            return;
        }
        if (sink == null) {
            completions.add(c);
            return;
        }
        try {
            sink.accept(c);
        } catch (Throwable e) { // a sink runs on a worker thread: it must not cost the other windows of the batch their results
            LOG.warn("completion sink of {} failed: {}", name, e.toString());
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
