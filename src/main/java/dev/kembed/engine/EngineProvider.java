package dev.kembed.engine;

import dev.kembed.model.checkpoint.Checkpoint;

/**
 * One engine implementation, found by name through {@link java.util.ServiceLoader} (like DJL's
 * {@code EngineProvider}). {@link #unavailable} must be cheap and must not load native code
 * that another engine would need, so a CPU host never touches GPU libraries.
 */
public interface EngineProvider {
    String name();

    /** Why this engine cannot run {@code spec} on this host (missing library, no device), or null if it can. */
    String unavailable(EngineSpec spec);

    /** Precisions {@link #open} accepts. */
    java.util.Set<Precision> precisions();

    EmbeddingEngine open(EngineSpec spec, Checkpoint checkpoint, String modelName);
}
