package dev.kembed.engine.queue;

import dev.kembed.engine.EngineWindow;

/**
 * One window waiting for the engine, with what its owner needs to apply the result.
 *
 * @param generation the version of the document the window belongs to (its source offset)
 * @param partition  source partition, to see how batches mix partitions
 * @param tokenStates the owner wants every token's hidden state back (TEI's {@code /embed_all}); the batch
 *                   that runs the window then returns them, and they are dropped for windows that did not ask
 */
public record WindowJob(String docId, long generation, int windowIndex, EngineWindow window, int partition, boolean tokenStates) {
    public WindowJob(String docId, long generation, int windowIndex, EngineWindow window, int partition) {
        this(docId, generation, windowIndex, window, partition, false);
    }
}
