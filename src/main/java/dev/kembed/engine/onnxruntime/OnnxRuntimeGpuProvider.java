package dev.kembed.engine.onnxruntime;

import dev.kembed.engine.EmbeddingEngine;
import dev.kembed.engine.EngineProvider;
import dev.kembed.engine.EngineSpec;
import dev.kembed.engine.gpu.GpuHost;
import dev.kembed.engine.Precision;
import dev.kembed.model.arch.Checkpoint;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@code onnxruntime-gpu}. Available when the CUDA build of ONNX Runtime is on the class path (a
 * resource lookup, nothing loaded) and the host has a GPU and the CUDA libraries it links.
 */
public final class OnnxRuntimeGpuProvider implements EngineProvider {
    static final String NAME = "onnxruntime-gpu";
    static final Set<Precision> PRECISIONS = Set.of(Precision.FP32, Precision.FP16);
    /** ONNX Runtime 1.22's CUDA provider: CUDA 12 runtime and cuBLAS, cuDNN 9, and the driver. */
    static final List<String> CUDA_LIBRARIES = List.of("libcudart.so.12", "libcublas.so.12", "libcublasLt.so.12", "libcudnn.so.9", "libcuda.so.1");
    /** Its TensorRT provider: TensorRT 10 (built against 10.9). */
    static final List<String> TENSORRT_LIBRARIES = List.of("libnvinfer.so.10", "libnvonnxparser.so.10");

    /** Present only in the onnxruntime_gpu jar. */
    static final String CUDA_PROVIDER_RESOURCE = "ai/onnxruntime/native/linux-x64/libonnxruntime_providers_cuda.so";
    static final String REMEDY = "onnxruntime-gpu needs an NVIDIA GPU with CUDA 12 and cuDNN 9 (TensorRT 10 for its TensorRT provider) "
            + "on the library path (Dockerfile.gpu; README \"Running on a GPU\"), or use --engine onnxruntime-cpu";

    private final GpuHost host;
    private final ClassLoader loader;

    public OnnxRuntimeGpuProvider() {
        this(GpuHost.current(), OnnxRuntimeGpuProvider.class.getClassLoader());
    }

    OnnxRuntimeGpuProvider(GpuHost host, ClassLoader loader) {
        this.host = host;
        this.loader = loader;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int rank() {
        return 200;
    }

    @Override
    public String unavailable(EngineSpec spec) {
        if (loader.getResource(CUDA_PROVIDER_RESOURCE) == null) {
            return "this build carries the CPU-only ONNX Runtime jar; rebuild with mvn -Pgpu (README \"Running on a GPU\")";
        }
        List<String> libraries = new ArrayList<>(CUDA_LIBRARIES);
        if (spec.gpu().ortTensorRt()) {
            libraries.addAll(TENSORRT_LIBRARIES);
        }
        return host.unavailable(libraries, REMEDY);
    }

    @Override
    public Set<Precision> precisions() {
        return PRECISIONS;
    }

    @Override
    public EmbeddingEngine open(EngineSpec spec, Checkpoint checkpoint, String modelName) {
        return new OnnxRuntimeGpuEngine(checkpoint, modelName, spec);
    }
}
