package dev.kembed.engine.queue;

import java.util.concurrent.ConcurrentLinkedQueue;

/** A task's registration with the workers: one per task incarnation, with its own completion inbox. */
public final class TaskHandle {
    private final String name;
    final ConcurrentLinkedQueue<Completion> completions = new ConcurrentLinkedQueue<>();
    private volatile boolean closed;

    TaskHandle(String name) {
        this.name = name;
    }

    public String name() {
        return name;
    }

    public boolean closed() {
        return closed;
    }

    void close() {
        closed = true;
        completions.clear();
    }

    void deliver(Completion c) {
        if (!closed) {
            completions.add(c);
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
