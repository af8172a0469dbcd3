package dev.kembed.engine;

import dev.kembed.engine.gpu.GpuSettings;

/**
 * How to open an engine, typed (DJL's string option maps are built from it in one place, inside
 * each engine).
 *
 * @param name            an engine name ({@link EngineFactory#NAMES}) or {@code auto}
 * @param intraOpThreads  threads per call inside the backend (0 = the backend's default)
 * @param sessions        calls that may run at once
 * @param globalAttention build the global-attention path (needed for global attention on {@code <s>})
 * @param gpu             shapes and caches of the GPU engines (ignored by onnxruntime-cpu)
 * @param chunkSlots      chunk slots per window pooled in the graph (late chunking), 0 = none; every
 *                        engine builds them into its graphs (TensorRT: a static count per window)
 */
public record EngineSpec(String name, Precision precision, int intraOpThreads, int sessions, boolean globalAttention, GpuSettings gpu,
        int chunkSlots) {
    public EngineSpec(String name, Precision precision, int intraOpThreads, int sessions, boolean globalAttention, GpuSettings gpu) {
        this(name, precision, intraOpThreads, sessions, globalAttention, gpu, 0);
    }

    public EngineSpec(String name, Precision precision, int intraOpThreads, int sessions, boolean globalAttention) {
        this(name, precision, intraOpThreads, sessions, globalAttention, GpuSettings.defaults());
    }

    public EngineSpec withName(String engine) {
        return new EngineSpec(engine, precision, intraOpThreads, sessions, globalAttention, gpu, chunkSlots);
    }

    public EngineSpec withPrecision(Precision p) {
        return new EngineSpec(name, p, intraOpThreads, sessions, globalAttention, gpu, chunkSlots);
    }

    /** The same engine with {@code slots} chunk slots per window (late chunking). */
    public EngineSpec withChunkSlots(int slots) {
        return new EngineSpec(name, precision, intraOpThreads, sessions, globalAttention, gpu, slots);
    }

    public static EngineSpec cpu(int intraOpThreads, int sessions, boolean globalAttention) {
        return new EngineSpec(EngineFactory.ONNXRUNTIME_CPU, Precision.FP32, intraOpThreads, sessions, globalAttention);
    }
}
