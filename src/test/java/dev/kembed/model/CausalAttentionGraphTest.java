package dev.kembed.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kembed.engine.EngineInfo;
import dev.kembed.engine.EngineWindow;
import dev.kembed.engine.WindowBatch;
import dev.kembed.engine.WindowResult;
import dev.kembed.engine.djl.DjlModelRunner;
import dev.kembed.engine.djl.GraphCall;
import dev.kembed.engine.djl.PaddedBatch;
import dev.kembed.model.arch.EncoderGraphBuilder;
import dev.kembed.model.onnx.GraphOptions;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Causal attention (Qwen3, on transformers' own tiny checkpoint) masks each query block from
 * position vectors: in 16-row blocks and in a static-length graph it computes what the one-block
 * dynamic graph computes (which equals transformers, HfParityTest), with sequences of the full
 * length, a partial one and one shorter than a block.
 */
class CausalAttentionGraphTest extends ReferenceEngineTestBase {
    @BeforeAll
    static void open() {
        openReference(Path.of("src/test/resources/fixtures/hf-qwen3-tiny"), "qwen3", false);
    }

    private static double run(Path graph, int rows, int length, List<EngineWindow> windows) {
        EngineInfo info = reference.info();
        try (DjlModelRunner r = DjlModelRunner.load(graph, 1, 1)) {
            List<WindowResult> got = GraphCall.run(r, PaddedBatch.of(windows, rows, length, info), info, false, true, windows).windows();
            return FullAttentionGraphTest.maxDiff(got.subList(0, windows.size()), reference.embed(new WindowBatch(windows, true)).windows());
        }
    }

    @Test
    void causalQueryBlocksAndStaticShapesComputeWhatOneBlockComputes() throws Exception {
        List<EngineWindow> windows = List.of(FullAttentionGraphTest.window(128, 1), FullAttentionGraphTest.window(60, 2),
                FullAttentionGraphTest.window(11, 3));
        Path blocked = tmp.resolve("causal-blocked.onnx");
        new EncoderGraphBuilder(ckpt, GraphOptions.dynamic(false).withQueryBlock(16)).build().writeTo(blocked);
        Path single = tmp.resolve("causal-single.onnx");
        new EncoderGraphBuilder(ckpt, GraphOptions.dynamic(false)).build().writeTo(single);
        assertThat(FullAttentionGraphTest.softmaxes(blocked)).as("8 blocks of 16 rows per layer").isEqualTo(8 * FullAttentionGraphTest.softmaxes(single));
        double blockedDiff = run(blocked, windows.size(), 128, windows);
        double singleDiff = run(single, windows.size(), 128, windows);
        Path fixed = tmp.resolve("causal-static.onnx");
        new EncoderGraphBuilder(ckpt, new GraphOptions(false, 3, 128, 0).withQueryBlock(32)).build().writeTo(fixed);
        double staticDiff = run(fixed, 3, 128, windows);
        System.out.printf("causal attention: 16-row blocks vs one block %.2e; static 128 in 32-row blocks %.2e; one block padded to 128 %.2e%n",
                blockedDiff, staticDiff, singleDiff);
        assertThat(singleDiff).as("the same one-block graph, run the same way").isZero();
        // a masking mistake moves states by 1e-1; MatMuls of 16 or 32 rows round differently from one of 128 (observed 3.2e-6)
        assertThat(blockedDiff).isLessThanOrEqualTo(1e-5);
        assertThat(staticDiff).isLessThanOrEqualTo(1e-5);
    }
}
