package dev.kembed.engine.queue;

import dev.kembed.engine.EmbeddingEngine;

/**
 * Opens a fresh instance of the engine the workers run (same checkpoint, same settings): what
 * they take over with when a call on the current one hung. Throws what opening threw.
 */
@FunctionalInterface
public interface EngineOpener {
    EmbeddingEngine open();
}
