package dev.kembed.engine.onnxruntime;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The option map for ONNX Runtime's TensorRT execution provider, built in plain Java (so it is
 * tested without a GPU). One optimisation profile per length bucket: batch 1..{@code batch},
 * lengths from just above the previous bucket up to this one, tuned for a full batch at the
 * bucket's length. Every dynamic input is listed in every profile, as the provider requires.
 */
public final class OrtTensorRtOptions {
    /** The graph's dynamic [batch, length] inputs, in graph order. */
    static final List<String> INPUTS = List.of("input_ids", "attention_mask", "global_attention_mask", "pool_mask");
    /** The late-chunking graph's extra [batch, length] input. */
    static final String CHUNK_SLOT = "chunk_slot";

    private OrtTensorRtOptions() {}

    /**
     * @param lengths  the engine's length buckets, ascending
     * @param fp16     let TensorRT run layers in fp16; LayerNorm then falls back to fp32
     * @param cacheDir where the provider keeps built engines and timing caches between runs
     * @param chunked  the graph pools chunk slots (late chunking), so it takes {@code chunk_slot} too
     */
    public static Map<String, String> of(List<Integer> lengths, int batch, boolean fp16, Path cacheDir, boolean chunked) {
        List<String> inputs = new ArrayList<>(INPUTS);
        if (chunked) {
            inputs.add(CHUNK_SLOT);
        }
        Map<String, String> o = new LinkedHashMap<>();
        o.put("trt_fp16_enable", Boolean.toString(fp16));
        // fp16 LayerNorm overflows in BERT/RoBERTa-style models (NVIDIA/TensorRT #2564, #3101)
        o.put("trt_layer_norm_fp32_fallback", Boolean.toString(fp16));
        o.put("trt_engine_cache_enable", "true");
        o.put("trt_engine_cache_path", cacheDir.toString());
        o.put("trt_timing_cache_enable", "true");
        o.put("trt_timing_cache_path", cacheDir.toString());
        List<String> min = new ArrayList<>();
        List<String> opt = new ArrayList<>();
        List<String> max = new ArrayList<>();
        int previous = 0;
        for (int len : lengths) {
            for (String input : inputs) {
                min.add(input + ":1x" + (previous + 1));
                opt.add(input + ":" + batch + "x" + len);
                max.add(input + ":" + batch + "x" + len);
            }
            previous = len;
        }
        o.put("trt_profile_min_shapes", String.join(",", min));
        o.put("trt_profile_opt_shapes", String.join(",", opt));
        o.put("trt_profile_max_shapes", String.join(",", max));
        return o;
    }
}
