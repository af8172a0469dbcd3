package dev.kembed.engine;

/**
 * How to open an engine, typed (DJL's string option maps are built from it in one place, inside
 * each engine).
 *
 * @param name            an engine name ({@link EngineFactory#NAMES}) or {@code auto}
 * @param intraOpThreads  threads per call inside the backend (0 = the backend's default)
 * @param sessions        calls that may run at once
 * @param globalAttention build the global-attention path (needed for global attention on {@code <s>})
 */
public record EngineSpec(String name, Precision precision, int intraOpThreads, int sessions, boolean globalAttention) {
    public static EngineSpec cpu(int intraOpThreads, int sessions, boolean globalAttention) {
        return new EngineSpec(EngineFactory.ONNXRUNTIME_CPU, Precision.FP32, intraOpThreads, sessions, globalAttention);
    }
}
