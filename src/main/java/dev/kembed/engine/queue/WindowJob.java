package dev.kembed.engine.queue;

import dev.kembed.engine.EngineWindow;

/**
 * One window waiting for the engine, with what its owner needs to apply the result.
 *
 * @param generation the version of the document the window belongs to (its source offset)
 * @param partition  source partition, to see how batches mix partitions
 */
public record WindowJob(String docId, long generation, int windowIndex, EngineWindow window, int partition) {}
