package dev.kembed.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kembed.engine.EngineInfo;
import dev.kembed.engine.EngineWindow;
import dev.kembed.engine.WindowBatch;
import dev.kembed.engine.WindowResult;
import dev.kembed.engine.djl.DjlModelRunner;
import dev.kembed.engine.djl.GraphCall;
import dev.kembed.engine.djl.PaddedBatch;
import dev.kembed.model.onnx.GraphOptions;
import dev.kembed.model.arch.EncoderGraphBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Full-attention layers (XLM-RoBERTa, on transformers' own tiny checkpoint): scored in blocks of
 * query rows they compute what one block computes (sequences shorter than the blocks, partial and
 * empty blocks included), and the TensorRT-8 variant (static shapes, LayerNorm written out, host
 * position ids) equals the standard graph.
 */
class FullAttentionGraphTest extends ReferenceEngineTestBase {
    static final Path FIXTURE = Path.of("src/test/resources/fixtures/hf-xlm-roberta-tiny");

    @BeforeAll
    static void open() {
        openReference(FIXTURE, "xlmr", false);
    }

    static EngineWindow window(int length, int seed) {
        int[] ids = new int[length];
        int[] pool = new int[length];
        for (int t = 0; t < length; t++) {
            ids[t] = 4 + (seed + t * 7) % 290;
            pool[t] = t > 0 && t < length - 1 ? 1 : 0;
        }
        ids[0] = 0;
        ids[length - 1] = 2;
        return new EngineWindow(ids, null, pool);
    }

    static double maxDiff(List<WindowResult> got, List<WindowResult> want) {
        double worst = 0;
        for (int i = 0; i < want.size(); i++) {
            float[][] a = got.get(i).tokenStates();
            float[][] b = want.get(i).tokenStates();
            assertThat(a.length).isEqualTo(b.length);
            for (int t = 0; t < b.length; t++) {
                for (int c = 0; c < b[t].length; c++) {
                    worst = Math.max(worst, Math.abs(a[t][c] - b[t][c]));
                }
            }
        }
        return worst;
    }

    static int softmaxes(Path graph) throws java.io.IOException {
        return new String(Files.readAllBytes(graph), StandardCharsets.ISO_8859_1).split("Softmax", -1).length - 1;
    }

    @Test
    void queryBlocksComputeWhatOneBlockComputes() throws Exception {
        Path file = tmp.resolve("blocked.onnx");
        EncoderGraphBuilder blocked = new EncoderGraphBuilder(ckpt, GraphOptions.dynamic(false).withQueryBlock(16));
        blocked.build().writeTo(file);
        Path single = tmp.resolve("single.onnx");
        new EncoderGraphBuilder(ckpt, GraphOptions.dynamic(false)).build().writeTo(single);
        assertThat(softmaxes(file)).as("8 blocks of 16 rows per layer (the model takes 128 tokens)").isEqualTo(8 * softmaxes(single));
        // one sequence of the model's full length, one partial (60 rows: blocks 4..7 empty), one shorter than a block
        List<EngineWindow> windows = List.of(window(128, 1), window(60, 2), window(11, 3));
        List<WindowResult> want = reference.embed(new WindowBatch(windows, true)).windows();
        EngineInfo info = reference.info();
        List<WindowResult> got;
        try (DjlModelRunner r = DjlModelRunner.load(file, 1, 1)) {
            got = GraphCall.run(r, PaddedBatch.of(windows, windows.size(), 128, info), info, false, true, windows).windows();
        }
        double diff = maxDiff(got, want);
        System.out.printf("full attention in 16-row query blocks vs one block: max |diff| %.2e%n", diff);
        assertThat(diff).isLessThanOrEqualTo(1e-6);
    }

    /** Graphs of 2 GB and more (bge-m3 in fp32 is 2.27 GB) go out as ONNX external data; here with the threshold lowered to 0. */
    @Test
    void aGraphWrittenAsExternalDataLoadsAndComputesTheSame() throws Exception {
        var graph = new EncoderGraphBuilder(ckpt, GraphOptions.dynamic(false)).build();
        Path inline = tmp.resolve("inline/model.onnx");
        Path external = tmp.resolve("external/model.onnx");
        Files.createDirectories(inline.getParent());
        Files.createDirectories(external.getParent());
        graph.writeTo(inline);
        graph.writeTo(external, 0);
        assertThat(inline.resolveSibling("model.onnx.data")).doesNotExist();
        assertThat(external.resolveSibling("model.onnx.data")).exists();
        assertThat(Files.size(external.resolveSibling("model.onnx.data"))).isGreaterThanOrEqualTo(graph.weightBytes() / 2);
        assertThat(Files.size(external)).isLessThan(Files.size(inline) / 4);
        List<EngineWindow> windows = List.of(window(40, 1), window(17, 2));
        EngineInfo info = reference.info();
        List<WindowResult> a;
        List<WindowResult> b;
        try (DjlModelRunner r = DjlModelRunner.load(inline, 1, 1)) {
            a = GraphCall.run(r, PaddedBatch.of(windows, 2, 40, info), info, false, true, windows).windows();
        }
        try (DjlModelRunner r = DjlModelRunner.load(external, 1, 1)) {
            b = GraphCall.run(r, PaddedBatch.of(windows, 2, 40, info), info, false, true, windows).windows();
        }
        assertThat(maxDiff(b, a)).isEqualTo(0.0);
    }

    @Test
    void tensorRtVariantEqualsTheStandardGraphWithQueryBlocks() throws Exception {
        int batch = 3;
        for (int bucket : new int[] {32, 64, 128}) {
            Path file = tmp.resolve("trt-" + bucket + ".onnx");
            new EncoderGraphBuilder(ckpt, GraphOptions.tensorRt8(false, batch, bucket, 0).withQueryBlock(32)).build().writeTo(file);
            String ops = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
            assertThat(ops).doesNotContain("LayerNormalization").doesNotContain("_Mod");
            List<EngineWindow> windows = List.of(window(bucket, 5), window(bucket / 2 + 3, 9)); // the third row is filler
            List<WindowResult> want = new ArrayList<>();
            for (EngineWindow w : windows) {
                want.add(reference.embed(new WindowBatch(List.of(w), true)).windows().get(0)); // alone: no padding at all
            }
            EngineInfo info = reference.info();
            List<WindowResult> got;
            try (DjlModelRunner r = DjlModelRunner.load(file, 1, 1)) {
                got = GraphCall.run(r, PaddedBatch.of(windows, batch, bucket, info), info, true, true, windows).windows();
            }
            double diff = maxDiff(got, want);
            System.out.printf("xlm-roberta tensorrt8 variant, bucket %d x %d: max |diff| %.2e%n", batch, bucket, diff);
            assertThat(diff).isLessThanOrEqualTo(1e-5);
        }
    }
}
