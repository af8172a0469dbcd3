package dev.kembed.engine.onnxruntime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The TensorRT provider's option map: one profile per bucket, every dynamic input in every profile. */
class OrtTensorRtOptionsTest {
    @Test
    void profilesFollowTheBuckets() {
        Map<String, String> o = OrtTensorRtOptions.of(List.of(512, 4096), 8, true, Path.of("/data/engines/ort"), false);
        assertThat(o).containsEntry("trt_fp16_enable", "true").containsEntry("trt_layer_norm_fp32_fallback", "true")
                .containsEntry("trt_engine_cache_enable", "true").containsEntry("trt_engine_cache_path", "/data/engines/ort")
                .containsEntry("trt_timing_cache_enable", "true");
        assertThat(o.get("trt_profile_min_shapes")).isEqualTo(
                "input_ids:1x1,attention_mask:1x1,global_attention_mask:1x1,pool_mask:1x1,"
                        + "input_ids:1x513,attention_mask:1x513,global_attention_mask:1x513,pool_mask:1x513");
        assertThat(o.get("trt_profile_opt_shapes")).isEqualTo(o.get("trt_profile_max_shapes")).isEqualTo(
                "input_ids:8x512,attention_mask:8x512,global_attention_mask:8x512,pool_mask:8x512,"
                        + "input_ids:8x4096,attention_mask:8x4096,global_attention_mask:8x4096,pool_mask:8x4096");
    }

    @Test
    void fp32KeepsLayerNormAsBuilt() {
        Map<String, String> o = OrtTensorRtOptions.of(List.of(1024), 1, false, Path.of("c"), false);
        assertThat(o).containsEntry("trt_fp16_enable", "false").containsEntry("trt_layer_norm_fp32_fallback", "false");
        assertThat(o.get("trt_profile_max_shapes")).isEqualTo("input_ids:1x1024,attention_mask:1x1024,global_attention_mask:1x1024,pool_mask:1x1024");
    }

    @Test
    void aLateChunkingGraphListsItsChunkSlotInputInEveryProfile() {
        Map<String, String> o = OrtTensorRtOptions.of(List.of(256, 1024), 4, false, Path.of("c"), true);
        assertThat(o.get("trt_profile_min_shapes")).isEqualTo(
                "input_ids:1x1,attention_mask:1x1,global_attention_mask:1x1,pool_mask:1x1,chunk_slot:1x1,"
                        + "input_ids:1x257,attention_mask:1x257,global_attention_mask:1x257,pool_mask:1x257,chunk_slot:1x257");
        assertThat(o.get("trt_profile_max_shapes")).isEqualTo(
                "input_ids:4x256,attention_mask:4x256,global_attention_mask:4x256,pool_mask:4x256,chunk_slot:4x256,"
                        + "input_ids:4x1024,attention_mask:4x1024,global_attention_mask:4x1024,pool_mask:4x1024,chunk_slot:4x1024");
    }

    @Test
    void theProviderSaysWhichJarAndLibrariesAreMissing() {
        OnnxRuntimeGpuProvider cpuJar = new OnnxRuntimeGpuProvider(dev.kembed.engine.gpu.GpuHost.current(), new ClassLoader(null) {});
        assertThat(cpuJar.unavailable(dev.kembed.engine.EngineSpec.cpu(1, 1, false))).contains("CPU-only ONNX Runtime jar").contains("mvn -Pgpu");
    }
}
