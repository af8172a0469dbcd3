package dev.kembed.engine.onnxruntime;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.providers.OrtTensorRTProviderOptions;
import dev.kembed.engine.BatchResult;
import dev.kembed.engine.EmbeddingEngine;
import dev.kembed.engine.EngineInfo;
import dev.kembed.engine.EngineSpec;
import dev.kembed.engine.gpu.GpuSettings;
import dev.kembed.engine.Precision;
import dev.kembed.engine.WindowBatch;
import dev.kembed.engine.djl.DjlModelRunner;
import dev.kembed.engine.djl.StaticShapes;
import dev.kembed.model.arch.Checkpoint;
import dev.kembed.model.arch.ModelConfig;
import dev.kembed.model.onnx.GraphOptions;
import dev.kembed.model.arch.EncoderGraphBuilder;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code onnxruntime-gpu}: the standard graph on ONNX Runtime's CUDA provider, or on its TensorRT
 * provider with CUDA taking what TensorRT does not ({@code kembed.engine.onnxruntime.tensorrt}).
 * Needs the CUDA build of ONNX Runtime ({@code mvn -Pgpu}). Batches are padded to the engine's
 * length buckets, the same ones the queue forms and the TensorRT profiles are built for.
 */
public final class OnnxRuntimeGpuEngine implements EmbeddingEngine {
    public static final String NAME = OnnxRuntimeGpuProvider.NAME;
    private static final Set<Precision> PRECISIONS = OnnxRuntimeGpuProvider.PRECISIONS;

    private final DjlModelRunner runner;
    private final EngineInfo info;
    private final List<Integer> lengths;
    private final int batch;
    private final StaticShapes shapes;

    OnnxRuntimeGpuEngine(Checkpoint ckpt, String modelName, EngineSpec spec) {
        GpuSettings gpu = spec.gpu();
        if (!PRECISIONS.contains(spec.precision())) {
            throw new IllegalArgumentException(NAME + " does not run " + spec.precision().label());
        }
        if (spec.precision() == Precision.FP16 && !gpu.ortTensorRt()) {
            throw new IllegalArgumentException(NAME + " runs fp16 only through its TensorRT provider (the graph is float32): "
                    + "set kembed.engine.onnxruntime.tensorrt=true, or use precision fp32");
        }
        ModelConfig c = ckpt.config();
        this.lengths = gpu.lengthsFor(c.maxTokens(), c.padMultiple());
        this.batch = gpu.batch();
        this.shapes = new StaticShapes(lengths, batch, false, false);
        GraphOptions graph = GraphOptions.dynamic(spec.globalAttention()).withChunkSlots(spec.chunkSlots());
        EncoderGraphBuilder builder = new EncoderGraphBuilder(ckpt, graph);
        OrtSession.SessionOptions so = new OrtSession.SessionOptions();
        try {
            if (gpu.ortTensorRt()) {
                OrtTensorRTProviderOptions trt = new OrtTensorRTProviderOptions(gpu.device());
                for (Map.Entry<String, String> e : OrtTensorRtOptions.of(lengths, batch, spec.precision() == Precision.FP16,
                        gpu.engineCache("onnxruntime-tensorrt"), spec.chunkSlots() > 0).entrySet()) {
                    trt.add(e.getKey(), e.getValue());
                }
                so.addTensorrt(trt);
            }
            so.addCUDA(gpu.device());
        } catch (OrtException e) {
            so.close();
            throw new IllegalStateException(NAME + ": ONNX Runtime has no GPU provider here: " + e.getMessage()
                    + "; build with mvn -Pgpu and run on a host with CUDA 12 and cuDNN 9", e);
        }
        this.runner = OnnxRuntimeEngine.loadGraph(builder, Map.of("sessionOptions", so), spec.sessions());
        this.info = new EngineInfo(NAME, modelName, Checkpoint.fingerprint(ckpt.dir()), spec.precision(), c.family(), c.hiddenSize(),
                c.maxTokens(), c.padMultiple(), builder.hasGlobalAttention(), PRECISIONS, lengths, batch, false, c.vocabSize(), c.padTokenId(),
                c.bosTokenId(), c.eosTokenId(), true, graph.numerics() + "/" + spec.precision().label(), spec.chunkSlots());
    }

    @Override
    public EngineInfo info() {
        return info;
    }

    @Override
    public BatchResult embed(WindowBatch batch) {
        return shapes.call(batch, info, len -> runner, in -> {});
    }

    @Override
    public void close() {
        runner.close();
    }
}
