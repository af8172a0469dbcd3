package dev.kembed.engine.tensorrt;

import dev.kembed.engine.EmbeddingEngine;
import dev.kembed.engine.EngineProvider;
import dev.kembed.engine.EngineSpec;
import dev.kembed.engine.gpu.GpuHost;
import dev.kembed.engine.Precision;
import dev.kembed.model.arch.Checkpoint;
import java.util.List;
import java.util.Set;

/**
 * {@code tensorrt}. Availability is decided from the device node and the libraries on disk; DJL's
 * TensorRT classes (whose static initialiser loads the JNI) are touched only by {@link #open}.
 */
public final class TensorRtProvider implements EngineProvider {
    static final String NAME = "tensorrt";
    static final Set<Precision> PRECISIONS = Set.of(Precision.FP32, Precision.FP16);
    /** What DJL's JNI links against (readelf of libdjl_trt.so 0.33.0), TensorRT itself, and the NVIDIA driver. */
    static final List<String> LIBRARIES = List.of("libnvinfer.so.8", "libnvonnxparser.so.8", "libnvparsers.so.8", "libcuda.so.1");

    static final String REMEDY = "the tensorrt engine needs an NVIDIA GPU with TensorRT 8.x (8.6 for Hopper/Ada) and its CUDA runtime "
            + "on the library path (Dockerfile.gpu; README \"Running on a GPU\"), or use --engine onnxruntime-cpu";

    private final GpuHost host;

    public TensorRtProvider() {
        this(GpuHost.current());
    }

    TensorRtProvider(GpuHost host) {
        this.host = host;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int rank() {
        return 300;
    }

    @Override
    public String unavailable(EngineSpec spec) {
        return host.unavailable(LIBRARIES, REMEDY);
    }

    @Override
    public Set<Precision> precisions() {
        return PRECISIONS;
    }

    @Override
    public EmbeddingEngine open(EngineSpec spec, Checkpoint checkpoint, String modelName) {
        try {
            return new TensorRtEngine(checkpoint, modelName, spec);
        } catch (LinkageError e) {
            // the libraries were there but do not load (wrong TensorRT major, CUDA mismatch)
            throw new IllegalStateException("tensorrt: DJL's TensorRT JNI does not load here: " + e + "; " + REMEDY, e);
        }
    }
}
