package dev.kembed.engine.queue;

import dev.kembed.setting.Choices;

/** Which queued window the engine runs next ({@code kembed.queue.policy}). */
public enum SchedulingPolicy {
    /**
     * The window of the document with the least engine work left (its tokens queued and not yet
     * computed) goes first, ties by age; a window that waited {@code kembed.queue.max.delay.ms}
     * goes first whatever its document's size, in turns with the shortest work that has not waited
     * that long. An encoder knows every window's cost exactly at admission, so this is
     * shortest-remaining-work without any prediction: a short document never waits behind a long
     * one's windows.
     */
    SHORTEST_FIRST,
    /** The bucket whose oldest window is oldest goes first (text-embeddings-inference's order; kept for comparison). */
    FIFO;

    public String label() {
        return Choices.label(this);
    }

    public static SchedulingPolicy parse(String key, String value) {
        return Choices.parse(SchedulingPolicy.class, key, value);
    }
}
