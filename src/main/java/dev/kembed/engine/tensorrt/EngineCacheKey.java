package dev.kembed.engine.tensorrt;

import dev.kembed.engine.Precision;
import dev.kembed.model.onnx.LongformerGraphBuilder;
import java.util.Locale;

/**
 * Names one built engine on disk: a serialized TensorRT engine only runs on the TensorRT version
 * and GPU it was built for, with the model, shape and precision it was built from, so all of
 * them are in the name and a change of any one misses the cache instead of loading a wrong plan.
 */
public record EngineCacheKey(String modelFingerprint, int batch, int length, int globalSlots, int chunkSlots, Precision precision,
        String tensorRtVersion, String gpuName) {

    /** e.g. {@code 3f2a…-gf1-b8-l512-g1-c0-fp16-trt8.6.1-nvidia-h100-80gb-hbm3} ({@code c}: chunk slots, 0 = no late chunking). */
    public String fileName() {
        return String.join("-", modelFingerprint, "gf" + LongformerGraphBuilder.FORMAT_VERSION, "b" + batch, "l" + length,
                "g" + globalSlots, "c" + chunkSlots, precision.label(),
                "trt" + tensorRtVersion, gpuName).toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9.]+", "-");
    }
}
