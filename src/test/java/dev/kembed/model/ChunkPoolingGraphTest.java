package dev.kembed.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kembed.engine.djl.DjlModelRunner;
import dev.kembed.model.arch.Checkpoint;
import dev.kembed.model.onnx.GraphOptions;
import dev.kembed.model.arch.EncoderGraphBuilder;
import dev.kembed.testing.TestModels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Late chunking in the graph: per-slot sums and counts equal the sums of the graph's own token
 * states over each slot's tokens (a plain forward pass, pooled on the host), and adding the slots
 * changes none of the other outputs.
 */
class ChunkPoolingGraphTest {
    static final int LEN = 40;
    static final int SLOTS = 4;

    @TempDir
    static Path tmp;

    static Checkpoint ckpt;

    @BeforeAll
    static void open() {
        ckpt = Checkpoint.load(TestModels.tiny(tmp.resolve("tiny")));
    }

    static Map<String, DjlModelRunner.Output> run(GraphOptions opts, String file, int[] slots) throws Exception {
        Path path = tmp.resolve(file);
        new EncoderGraphBuilder(ckpt, opts).build().writeTo(path);
        int b = 2;
        int[] ids = new int[b * LEN];
        int[] am = new int[b * LEN];
        int[] gm = new int[b * LEN];
        int[] pm = new int[b * LEN];
        for (int r = 0; r < b; r++) {
            int len = r == 0 ? LEN : LEN - 6; // the second window is shorter: its tail is padding
            for (int t = 0; t < LEN; t++) {
                int i = r * LEN + t;
                ids[i] = t == 0 ? 0 : t == len - 1 ? 2 : t >= len ? 1 : 4 + (r * 31 + t * 7) % 200;
                am[i] = t < len ? 1 : 0;
                pm[i] = t > 0 && t < len - 1 ? 1 : 0;
            }
            gm[r * LEN] = 1;
        }
        List<DjlModelRunner.Input> in = new ArrayList<>(List.of(new DjlModelRunner.Input("input_ids", ids, b, LEN),
                new DjlModelRunner.Input("attention_mask", am, b, LEN), new DjlModelRunner.Input("global_attention_mask", gm, b, LEN),
                new DjlModelRunner.Input("pool_mask", pm, b, LEN)));
        if (slots != null) {
            in.add(new DjlModelRunner.Input("chunk_slot", slots, b, LEN));
        }
        try (DjlModelRunner r = DjlModelRunner.load(path, 1, 1)) {
            return r.run(in);
        }
    }

    /** Window 0: three chunks tiling its content, slot 3 empty. Window 1: tokens 1-5 owned by the previous window (-1), two chunks, padding -1. */
    static int[] slots() {
        int[] s = new int[2 * LEN];
        java.util.Arrays.fill(s, -1);
        for (int t = 1; t < LEN - 1; t++) {
            s[t] = t <= 10 ? 0 : t <= 25 ? 1 : 2;
        }
        for (int t = 6; t < LEN - 7; t++) {
            s[LEN + t] = t < 20 ? 0 : 1;
        }
        return s;
    }

    @Test
    void chunkSumsAreTheSumsOfEachSlotsTokenStates() throws Exception {
        int[] slots = slots();
        Map<String, DjlModelRunner.Output> out = run(GraphOptions.dynamic(true).withChunkSlots(SLOTS), "chunks.onnx", slots);
        DjlModelRunner.Output hidden = out.get("last_hidden_state");
        int h = (int) hidden.shape()[2];
        assertThat(out.get("chunk_sum").shape()).containsExactly(2, SLOTS, h);
        assertThat(out.get("chunk_count").shape()).containsExactly(2, SLOTS);
        double maxDiff = 0;
        for (int r = 0; r < 2; r++) {
            for (int s = 0; s < SLOTS; s++) {
                double[] want = new double[h];
                int n = 0;
                for (int t = 0; t < LEN; t++) {
                    if (slots[r * LEN + t] == s) {
                        n++;
                        for (int c = 0; c < h; c++) {
                            want[c] += hidden.data()[(r * LEN + t) * h + c];
                        }
                    }
                }
                assertThat(out.get("chunk_count").data()[r * SLOTS + s]).as("window %d slot %d tokens", r, s).isEqualTo((float) n);
                for (int c = 0; c < h; c++) {
                    float got = out.get("chunk_sum").data()[(r * SLOTS + s) * h + c];
                    maxDiff = Math.max(maxDiff, Math.abs(got - want[c]) / Math.max(1, n));
                }
            }
        }
        assertThat(out.get("chunk_count").data()).containsExactly(10, 15, 13, 0, 14, 13, 0, 0);
        System.out.printf("chunk pooling in the graph: max |mean diff| %.2e%n", maxDiff);
        assertThat(maxDiff).isLessThanOrEqualTo(1e-6);
    }

    @Test
    void chunkSlotsChangeNoOtherOutput() throws Exception {
        Map<String, DjlModelRunner.Output> with = run(GraphOptions.dynamic(true).withChunkSlots(SLOTS), "with.onnx", slots());
        Map<String, DjlModelRunner.Output> without = run(GraphOptions.dynamic(true), "without.onnx", null);
        assertThat(without).doesNotContainKeys("chunk_sum", "chunk_count");
        for (String name : List.of("cls", "sum", "count", "last_hidden_state")) {
            float[] a = with.get(name).data();
            float[] b = without.get(name).data();
            assertThat(a).hasSameSizeAs(b);
            for (int i = 0; i < a.length; i++) {
                assertThat(a[i]).as("%s[%d]", name, i).isEqualTo(b[i]);
            }
        }
    }
}
