package dev.kembed.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kembed.engine.EngineInfo;
import dev.kembed.engine.EngineWindow;
import dev.kembed.engine.djl.PaddedBatch;
import dev.kembed.engine.Precision;
import dev.kembed.engine.WindowBatch;
import dev.kembed.engine.WindowResult;
import dev.kembed.engine.djl.DjlModelRunner;
import dev.kembed.engine.djl.GraphCall;
import dev.kembed.engine.onnxruntime.OnnxRuntimeEngine;
import dev.kembed.model.onnx.GraphOptions;
import dev.kembed.model.arch.EncoderGraphBuilder;
import dev.kembed.testing.TestModels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * The TensorRT-8 graph variant (static shapes, LayerNorm written out, host position ids, fp16-safe
 * mask constants) computes what the standard graph computes: both run here on ONNX Runtime's CPU
 * provider, on every bucket shape, with static-batch filler rows and several global tokens.
 */
class TensorRtGraphTest extends ReferenceEngineTestBase {
    private static final int BATCH = 3;
    private static final int SLOTS = 3;

    @BeforeAll
    static void open() {
        openReference(TestModels.tiny(tmp.resolve("tiny")), "tiny", true);
    }

    @ParameterizedTest
    @ValueSource(ints = {32, 64, 128})
    void tensorRtVariantEqualsTheStandardGraphOnEveryBucket(int bucket) throws Exception {
        Path file = tmp.resolve("trt-b" + BATCH + "-l" + bucket + ".onnx");
        new EncoderGraphBuilder(ckpt, GraphOptions.tensorRt8(true, BATCH, bucket, SLOTS)).build().writeTo(file);
        String ops = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
        assertThat(ops).doesNotContain("LayerNormalization").doesNotContain("_Mod").contains("ReduceMean");

        // two real windows (full bucket, and short with three global tokens); the third row is filler
        List<EngineWindow> windows = List.of(window(bucket, 3, new int[] {0}), window(bucket / 2 + 3, 11, new int[] {0, 4, 9}));
        EngineInfo info = reference.info();
        PaddedBatch in = PaddedBatch.of(windows, BATCH, bucket, info);
        List<WindowResult> got;
        try (DjlModelRunner r = DjlModelRunner.load(file, 1, 1)) {
            got = GraphCall.run(r, in, info, true, false, windows).windows();
        }
        assertThat(got).hasSize(2);
        List<WindowResult> want = new ArrayList<>();
        for (EngineWindow w : windows) {
            want.add(reference.embed(WindowBatch.of(List.of(w))).windows().get(0)); // alone: no padding at all
        }
        double maxDiff = 0;
        for (int i = 0; i < 2; i++) {
            for (int c = 0; c < info.dimension(); c++) {
                maxDiff = Math.max(maxDiff, Math.abs(got.get(i).cls()[c] - want.get(i).cls()[c]));
                maxDiff = Math.max(maxDiff, Math.abs(got.get(i).sum()[c] - want.get(i).sum()[c]) / Math.max(1, want.get(i).count()));
            }
            assertThat(got.get(i).count()).isEqualTo(want.get(i).count());
        }
        System.out.printf("tensorrt8 variant, bucket %d x %d: max |diff| %.2e%n", BATCH, bucket, maxDiff);
        assertThat(maxDiff).isLessThanOrEqualTo(1e-5);
    }

    @Test
    void tensorRtVariantWithChunkSlotsEqualsTheStandardLateChunkingGraph() throws Exception {
        int bucket = 64;
        int chunkSlots = 4;
        Path file = tmp.resolve("trt-chunks.onnx");
        new EncoderGraphBuilder(ckpt, GraphOptions.tensorRt8(true, BATCH, bucket, SLOTS).withChunkSlots(chunkSlots)).build().writeTo(file);
        // a full window with three chunks, and a short one whose first tokens belong to the previous window (-1) and whose
        // last chunk sits in slot 1; the filler row pools nothing
        EngineWindow full = withSlots(window(bucket, 3, new int[] {0}), t -> t < 20 ? 0 : t < 45 ? 1 : 2);
        EngineWindow shortOne = withSlots(window(bucket / 2 + 3, 11, new int[] {0, 4}), t -> t < 6 ? -1 : t < 25 ? 0 : 1);
        List<EngineWindow> windows = List.of(full, shortOne);
        try (OnnxRuntimeEngine chunked = new OnnxRuntimeEngine(ckpt, "tiny", 1, 1, true, Precision.FP32, chunkSlots)) {
            EngineInfo info = chunked.info();
            List<WindowResult> got;
            try (DjlModelRunner r = DjlModelRunner.load(file, 1, 1)) {
                got = GraphCall.run(r, PaddedBatch.of(windows, BATCH, bucket, info), info, true, false, windows).windows();
            }
            double maxDiff = 0;
            for (int i = 0; i < windows.size(); i++) {
                WindowResult want = chunked.embed(WindowBatch.of(List.of(windows.get(i)))).windows().get(0);
                assertThat(got.get(i).chunkCounts()).containsExactly(want.chunkCounts());
                assertThat(got.get(i).chunkSums().length).isEqualTo(want.chunkSums().length).isEqualTo(windows.get(i).chunkCount());
                for (int s = 0; s < want.chunkSums().length; s++) {
                    for (int c = 0; c < info.dimension(); c++) {
                        maxDiff = Math.max(maxDiff, Math.abs(got.get(i).chunkSums()[s][c] - want.chunkSums()[s][c]) / Math.max(1, want.chunkCounts()[s]));
                    }
                }
            }
            assertThat(got.get(0).chunkCounts()).containsExactly(19, 25, 18);
            System.out.printf("tensorrt8 variant with %d chunk slots, bucket %d x %d: max |chunk mean diff| %.2e%n", chunkSlots, BATCH, bucket, maxDiff);
            assertThat(maxDiff).isLessThanOrEqualTo(1e-5);
        }
    }

    /** The window with each content token's chunk slot from {@code slotOf}; specials are in no chunk. */
    static EngineWindow withSlots(EngineWindow w, java.util.function.IntUnaryOperator slotOf) {
        int[] slots = new int[w.inputIds().length];
        for (int t = 0; t < slots.length; t++) {
            slots[t] = w.poolMask()[t] == 1 ? slotOf.applyAsInt(t) : -1;
        }
        return new EngineWindow(w.inputIds(), w.globalMask(), w.poolMask(), slots);
    }

    @Test
    void tensorRtVariantNeedsStaticShapesAndFloat32() {
        assertThatThrownBy(() -> GraphOptions.tensorRt8(true, 0, 64, 1)).hasMessageContaining("static batch");
        assertThatThrownBy(() -> GraphOptions.tensorRt8(true, 2, 64, 0)).hasMessageContaining("global slots");
        assertThatThrownBy(() -> GraphOptions.tensorRt8(false, 2, 64, 0).withLinear(dev.kembed.model.onnx.LinearFormat.INT8_PER_ROW))
                .hasMessageContaining("float32");
    }

    @Test
    void hostPositionIdsFollowHuggingFaceRules() {
        EngineInfo info = reference.info();
        PaddedBatch in = PaddedBatch.of(List.of(window(4, 5, new int[0])), 2, 6, info);
        // RoBERTa: real tokens pad+1, pad+2, ...; pads and the filler row's pads get the pad id
        assertThat(in.positionIds(info.family().positions(), info.padTokenId())).containsExactly(2, 3, 4, 5, 1, 1, 2, 3, 1, 1, 1, 1);
        assertThat(in.inputIds()).containsExactly(0, 16, 23, 2, 1, 1, 0, 2, 1, 1, 1, 1);
        assertThat(in.attentionMask()).containsExactly(1, 1, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0);
        assertThat(in.poolMask()).containsExactly(0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    }

    /** {@code <s> ids... </s>} of the given length; pooled over its content tokens. */
    static EngineWindow window(int length, int seed, int[] globals) {
        int[] ids = new int[length];
        int[] global = new int[length];
        int[] pool = new int[length];
        for (int t = 0; t < length; t++) {
            ids[t] = 4 + (seed + t * 7) % 200;
            pool[t] = t > 0 && t < length - 1 ? 1 : 0;
        }
        ids[0] = 0;
        ids[length - 1] = 2;
        for (int g : globals) {
            global[g] = 1;
        }
        return new EngineWindow(ids, global, pool);
    }
}
