package dev.kembed.engine;

import dev.kembed.engine.EngineWindow;

/**
 * One window waiting for the engine, with what its owner needs to apply the result.
 *
 * @param generation the source offset of the document version the window belongs to
 * @param partition  source partition (to see batches mixing partitions)
 */
public record WindowJob(String docId, long generation, int windowIndex, EngineWindow window, int partition) {}
