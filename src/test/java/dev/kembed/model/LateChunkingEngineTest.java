package dev.kembed.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kembed.engine.EngineException;
import dev.kembed.engine.EngineWindow;
import dev.kembed.engine.Precision;
import dev.kembed.engine.WindowBatch;
import dev.kembed.engine.WindowResult;
import dev.kembed.engine.onnxruntime.OnnxRuntimeEngine;
import dev.kembed.model.checkpoint.Checkpoint;
import dev.kembed.testing.TestModels;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CPU engine with late chunking: each window's chunk sums equal the sums, over the chunk's
 * tokens, of the token states of a plain forward pass of that window alone (another engine without
 * chunk slots), in a padded batch that mixes windows with and without chunks.
 */
class LateChunkingEngineTest {
    static final int SLOTS = 4;

    @TempDir
    static Path tmp;

    static OnnxRuntimeEngine chunked;
    static OnnxRuntimeEngine plain;

    @BeforeAll
    static void open() {
        Checkpoint ckpt = Checkpoint.load(TestModels.tiny(tmp.resolve("tiny")));
        chunked = new OnnxRuntimeEngine(ckpt, "tiny", 1, 1, true, Precision.FP32, SLOTS);
        plain = new OnnxRuntimeEngine(ckpt, "tiny", 1, 1, true, Precision.FP32);
    }

    @AfterAll
    static void close() {
        chunked.close();
        plain.close();
    }

    /** {@code <s> ... </s>}; content tokens from {@code owned} on are cut into chunks of {@code size} (earlier ones: another window's). */
    static EngineWindow window(int length, int seed, int owned, int size) {
        int[] ids = new int[length];
        int[] global = new int[length];
        int[] pool = new int[length];
        int[] slots = size > 0 ? new int[length] : null;
        for (int t = 0; t < length; t++) {
            ids[t] = t == 0 ? 0 : t == length - 1 ? 2 : 4 + (seed + t * 11) % 200;
            boolean mine = t >= owned && t < length - 1;
            pool[t] = mine ? 1 : 0;
            if (slots != null) {
                slots[t] = mine ? (t - owned) / size : -1;
            }
        }
        global[0] = 1;
        return new EngineWindow(ids, global, pool, slots);
    }

    @Test
    void chunkSumsEqualAPlainForwardPassPooledOnTheHost() {
        List<EngineWindow> windows = List.of(window(40, 1, 1, 10), window(25, 7, 6, 8), window(30, 3, 1, 0));
        List<WindowResult> got = chunked.embed(new WindowBatch(windows, false)).windows();
        assertThat(got.get(0).chunkCounts()).containsExactly(10, 10, 10, 8);
        assertThat(got.get(1).chunkCounts()).containsExactly(8, 8, 2);
        assertThat(got.get(2).chunkSums()).as("a window without chunk slots").isNull();
        double maxDiff = 0;
        for (int i = 0; i < windows.size(); i++) {
            EngineWindow w = windows.get(i);
            WindowResult alone = plain.embed(new WindowBatch(List.of(new EngineWindow(w.inputIds(), w.globalMask(), w.poolMask())), true))
                    .windows().get(0);
            for (int c = 0; c < alone.sum().length; c++) {
                maxDiff = Math.max(maxDiff, Math.abs(got.get(i).sum()[c] - alone.sum()[c]) / alone.count());
            }
            for (int s = 0; s < w.chunkCount(); s++) {
                int n = 0;
                double[] want = new double[alone.sum().length];
                for (int t = 0; t < w.length(); t++) {
                    if (w.chunkSlots()[t] == s) {
                        n++;
                        for (int c = 0; c < want.length; c++) {
                            want[c] += alone.tokenStates()[t][c];
                        }
                    }
                }
                assertThat(got.get(i).chunkCounts()[s]).isEqualTo((float) n);
                for (int c = 0; c < want.length; c++) {
                    maxDiff = Math.max(maxDiff, Math.abs(got.get(i).chunkSums()[s][c] - want[c]) / n);
                }
            }
        }
        System.out.printf("late chunking on onnxruntime-cpu: max |mean diff| to a plain forward pass %.2e%n", maxDiff);
        assertThat(maxDiff).isLessThanOrEqualTo(1e-5);
    }

    @Test
    void moreChunksThanTheGraphHasSlotsIsAWindowFault() {
        EngineWindow five = window(40, 1, 1, 8); // 38 content tokens in chunks of 8: 5 chunks
        assertThat(five.chunkCount()).isEqualTo(5);
        assertThatThrownBy(() -> chunked.embed(new WindowBatch(List.of(five), false))).isInstanceOf(EngineException.class)
                .hasMessageContaining("5 chunks").hasMessageContaining("4 chunk slots")
                .satisfies(e -> assertThat(((EngineException) e).reason()).isEqualTo("too-many-chunks"));
        assertThatThrownBy(() -> plain.embed(new WindowBatch(List.of(window(20, 1, 1, 8)), false))).isInstanceOf(EngineException.class)
                .hasMessageContaining("built without late chunking");
    }
}
