package dev.kembed.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kembed.model.arch.Architectures;
import dev.kembed.model.onnx.GraphOptions;
import dev.kembed.model.onnx.LinearFormat;
import dev.kembed.model.arch.EncoderGraphBuilder;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Window identities and the shared result cache. */
class WindowReuseTest {
    static EngineInfo info(String engine, String fingerprint, Precision precision) {
        return info(engine, fingerprint, precision, GraphOptions.dynamic(true).numerics());
    }

    static EngineInfo info(String engine, String fingerprint, Precision precision, String numerics) {
        return new EngineInfo(engine, "m", fingerprint, precision, Architectures.LONGFORMER, 4, 4096, 16, true, Set.of(Precision.FP32, Precision.INT8),
                List.of(), 0, false, 1000, 1, 0, 2, false, numerics, 0);
    }

    static final EngineWindow W = new EngineWindow(new int[] {0, 5, 6, 7, 2}, new int[] {1, 0, 0, 0, 0}, new int[] {0, 1, 1, 1, 0});

    @Test
    void anythingThatChangesTheResultChangesTheIdentity() {
        String base = WindowIdentity.of(info("onnxruntime-cpu", "abc", Precision.FP32), W);
        assertThat(WindowIdentity.of(info("onnxruntime-cpu", "abc", Precision.FP32), W)).isEqualTo(base).hasSize(32);
        assertThat(List.of(
                WindowIdentity.of(info("onnxruntime-cpu", "abd", Precision.FP32), W), // another model
                WindowIdentity.of(info("onnxruntime-cpu", "abc", Precision.INT8), W), // another precision
                WindowIdentity.of(info("tensorrt", "abc", Precision.FP32), W), // another engine
                WindowIdentity.of(info("onnxruntime-cpu", "abc", Precision.FP32, // another graph format version
                        GraphOptions.dynamic(true).numerics().replace("graph-v" + GraphOptions.FORMAT_VERSION, "graph-v0")), W),
                WindowIdentity.of(info("onnxruntime-cpu", "abc", Precision.FP32, // the same precision written another way
                        GraphOptions.dynamic(true).withLinear(LinearFormat.INT8_MATMUL_INTEGER).numerics()), W),
                WindowIdentity.of(info("onnxruntime-cpu", "abc", Precision.FP32), new EngineWindow(new int[] {0, 5, 6, 8, 2}, W.globalMask(), W.poolMask())),
                WindowIdentity.of(info("onnxruntime-cpu", "abc", Precision.FP32), new EngineWindow(W.inputIds(), null, W.poolMask())),
                WindowIdentity.of(info("onnxruntime-cpu", "abc", Precision.FP32), new EngineWindow(W.inputIds(), W.globalMask(), new int[] {0, 1, 1, 0, 0}))))
                .doesNotContain(base).doesNotHaveDuplicates();
    }

    @Test
    void theCacheIsBoundedInBytesAndDropsTheLeastRecentlyUsed() {
        WindowResult r = new WindowResult(new float[100], new float[100], 3, new float[3][100]);
        WindowResultCache cache = new WindowResultCache(3_000);
        cache.put("a", r);
        cache.put("b", r);
        assertThat(cache.get("a")).isNotNull(); // a is now the most recent
        cache.put("c", r);
        cache.put("d", r);
        assertThat(cache.bytes()).isLessThanOrEqualTo(3_000);
        assertThat(cache.get("b")).as("least recently used goes first").isNull();
        assertThat(cache.get("a")).isNotNull();
        assertThat(cache.get("a").tokenStates()).as("token states are never kept").isNull();
        assertThat(cache.hits()).isEqualTo(3);
        assertThat(cache.misses()).isEqualTo(1);
        WindowResultCache off = new WindowResultCache(0);
        off.put("a", r);
        assertThat(off.get("a")).isNull();
        assertThat(off.size()).isZero();
    }
}
