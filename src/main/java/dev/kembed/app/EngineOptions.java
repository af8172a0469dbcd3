package dev.kembed.app;

import dev.kembed.engine.EngineSpec;
import dev.kembed.engine.gpu.GpuSettings;
import dev.kembed.engine.Precision;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/** Options of commands that open a model on an engine. */
public final class EngineOptions {
    @Option(names = "--model", required = true, description = "Checkpoint directory (config.json, weights, tokenizer).")
    Path model;

    @Option(names = "--engine", defaultValue = "auto",
            description = "Engine by name: auto, tensorrt, onnxruntime-gpu or onnxruntime-cpu. Default: ${DEFAULT-VALUE}")
    String engine;

    @Option(names = "--precision", defaultValue = "fp32", description = "Numeric precision: fp32 or int8 (onnxruntime-cpu); the engine must support it. Default: ${DEFAULT-VALUE}")
    String precision;

    @Option(names = "--threads", defaultValue = "0", description = "Intra-op threads per engine call (0 = all cores). Default: ${DEFAULT-VALUE}")
    int threads;

    public Path model() {
        return model;
    }

    public String engineName() {
        return engine;
    }

    /** As given: one precision, or a comma-separated list where a command takes several. */
    public String precision() {
        return precision;
    }

    public int threads() {
        return threads;
    }

    EngineSpec spec(boolean globalAttention) {
        return spec(globalAttention, Precision.parse("--precision", precision));
    }

    @Option(names = "--buckets", split = ",", description = "GPU engines: static window lengths (default 512,1024,2048,4096 and the model's limit).")
    List<Integer> buckets;

    @Option(names = "--gpu-batch", defaultValue = "8", description = "GPU engines: windows per call. Default: ${DEFAULT-VALUE}")
    int gpuBatch;

    @Option(names = "--ort-tensorrt", description = "onnxruntime-gpu: use ONNX Runtime's TensorRT provider (needed for fp16).")
    boolean ortTensorRt;

    @Option(names = "--engine-cache", description = "GPU engines: directory for built engines (default: a temporary one).")
    Path engineCache;

    EngineSpec spec(boolean globalAttention, Precision p) {
        GpuSettings gpu = new GpuSettings(buckets == null ? List.of() : buckets, gpuBatch, 1, engineCache, ortTensorRt, 0);
        return new EngineSpec(engine, p, threads, 1, globalAttention, gpu);
    }

    public KembedModel open(boolean globalAttention) {
        return KembedModel.open(model, spec(globalAttention), "--engine");
    }

    /** With {@code chunkSlots} chunk slots per window in the graph (late chunking). */
    public KembedModel open(boolean globalAttention, int chunkSlots) {
        return KembedModel.open(model, spec(globalAttention).withChunkSlots(chunkSlots), "--engine");
    }

    public KembedModel open(boolean globalAttention, Precision p) {
        return KembedModel.open(model, spec(globalAttention, p), "--engine");
    }
}
