package dev.kembed.engine;

/** Observes the workers (metrics, tests). */
public interface EngineListener {
    void batch(int windows, long computedTokens, int realTokens, int partitions, int tasks, long queueWaitNanos, long inferenceNanos);

    /** A submitter waited its longest for space and queued anyway. */
    default void overflow() {}

    /** A window given up on, with its dead-letter reason. */
    default void windowFailed(String reason) {}

    default void engineDown(String error) {}

    default void engineUp() {}

    EngineListener NONE = (w, l, r, p, t, q, i) -> {};
}
