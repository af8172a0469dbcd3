package dev.kembed.engine.onnxruntime;

import dev.kembed.engine.EmbeddingEngine;
import dev.kembed.engine.EngineProvider;
import dev.kembed.engine.EngineSpec;
import dev.kembed.engine.Precision;
import dev.kembed.model.arch.Checkpoint;
import java.util.Set;

/** {@code onnxruntime-cpu}: the Java-built graph on ONNX Runtime's CPU provider; always available. */
public final class OnnxRuntimeCpuProvider implements EngineProvider {
    @Override
    public String name() {
        return OnnxRuntimeEngine.NAME;
    }

    @Override
    public int rank() {
        return 100;
    }

    @Override
    public String unavailable(EngineSpec spec) {
        return null;
    }

    @Override
    public Set<Precision> precisions() {
        return OnnxRuntimeEngine.PRECISIONS;
    }

    @Override
    public EmbeddingEngine open(EngineSpec spec, Checkpoint checkpoint, String modelName) {
        return new OnnxRuntimeEngine(checkpoint, modelName, spec.intraOpThreads(), spec.sessions(), spec.globalAttention(),
                spec.precision(), spec.chunkSlots());
    }
}
