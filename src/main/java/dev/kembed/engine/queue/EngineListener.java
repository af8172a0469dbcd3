package dev.kembed.engine.queue;

/** Observes the workers (metrics, tests). */
public interface EngineListener {
    void batch(int windows, long computedTokens, int realTokens, int partitions, int tasks, long queueWaitNanos, long inferenceNanos);

    /** A window did not fit the queue within its submitter's wait budget: it stays pending and is submitted later. */
    default void overflow() {}

    /** A worker thread died of something no unit of work caught, and was replaced. */
    default void workerRestarted() {}

    /** A window given up on, with its dead-letter reason. */
    default void windowFailed(String reason) {}

    default void engineDown(String error) {}

    default void engineUp() {}

    /** An engine call ran past its deadline and was abandoned (its windows went back to the queue). */
    default void engineHung(String reason) {}

    /** No fresh engine instance is left to open after a hang: the engine stays down, the process should exit. */
    default void engineGaveUp(String reason) {}

    /** A priority (query) window left the queue after waiting this long for the engine. */
    default void priorityWait(long nanos) {}

    EngineListener NONE = (w, l, r, p, t, q, i) -> {};

    /** Both listeners, {@code first} then {@code second} (the stream's metrics and the query routes' in one process). */
    static EngineListener both(EngineListener first, EngineListener second) {
        return new EngineListener() {
            @Override
            public void batch(int windows, long computedTokens, int realTokens, int partitions, int tasks, long queueWaitNanos, long inferenceNanos) {
                first.batch(windows, computedTokens, realTokens, partitions, tasks, queueWaitNanos, inferenceNanos);
                second.batch(windows, computedTokens, realTokens, partitions, tasks, queueWaitNanos, inferenceNanos);
            }

            @Override
            public void overflow() {
                first.overflow();
                second.overflow();
            }

            @Override
            public void workerRestarted() {
                first.workerRestarted();
                second.workerRestarted();
            }

            @Override
            public void windowFailed(String reason) {
                first.windowFailed(reason);
                second.windowFailed(reason);
            }

            @Override
            public void engineDown(String error) {
                first.engineDown(error);
                second.engineDown(error);
            }

            @Override
            public void engineUp() {
                first.engineUp();
                second.engineUp();
            }

            @Override
            public void engineHung(String reason) {
                first.engineHung(reason);
                second.engineHung(reason);
            }

            @Override
            public void engineGaveUp(String reason) {
                first.engineGaveUp(reason);
                second.engineGaveUp(reason);
            }

            @Override
            public void priorityWait(long nanos) {
                first.priorityWait(nanos);
                second.priorityWait(nanos);
            }
        };
    }
}
