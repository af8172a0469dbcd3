package dev.kembed.engine;

import dev.kembed.model.arch.Checkpoint;

/**
 * One engine implementation, found by name through {@link java.util.ServiceLoader} (like DJL's
 * {@code EngineProvider}). {@link #unavailable} must be cheap and must not load native code
 * that another engine would need, so a CPU host never touches GPU libraries.
 */
public interface EngineProvider {
    String name();

    /**
     * Where {@code auto} tries this engine: higher first (the fastest engine that can run here).
     * Engines kembed ships: tensorrt 300, onnxruntime-gpu 200, onnxruntime-cpu 100; an engine that
     * should never be picked by {@code auto} (a test double) returns a negative rank.
     */
    int rank();

    /** Why this engine cannot run {@code spec} on this host (missing library, no device), or null if it can. */
    String unavailable(EngineSpec spec);

    /** Precisions {@link #open} accepts. */
    java.util.Set<Precision> precisions();

    EmbeddingEngine open(EngineSpec spec, Checkpoint checkpoint, String modelName);
}
