package dev.kembed.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kembed.engine.EngineException;
import dev.kembed.engine.EngineWindow;
import dev.kembed.engine.Precision;
import dev.kembed.engine.WindowBatch;
import dev.kembed.engine.WindowResult;
import dev.kembed.engine.onnxruntime.OnnxRuntimeEngine;
import dev.kembed.model.arch.Checkpoint;
import dev.kembed.testing.TestModels;
import dev.kembed.text.Boundaries;
import dev.kembed.text.Chunk;
import dev.kembed.text.Chunker;
import dev.kembed.text.DocumentTokenizer;
import dev.kembed.text.LateChunks;
import dev.kembed.text.TextBoundariesTest;
import dev.kembed.text.TextWindow;
import dev.kembed.text.TokenizedText;
import dev.kembed.text.Windower;
import java.nio.file.Path;
import java.util.ArrayList;
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

    static final int WINDOW = 64;
    static final int OVERLAP = 16;
    static final int CHUNK = 24;

    static OnnxRuntimeEngine chunked;
    static OnnxRuntimeEngine plain;
    static OnnxRuntimeEngine documents;
    static DocumentTokenizer tokenizer;

    @BeforeAll
    static void open() {
        Path dir = TestModels.tiny(tmp.resolve("tiny"));
        Checkpoint ckpt = Checkpoint.load(dir);
        chunked = new OnnxRuntimeEngine(ckpt, "tiny", 1, 1, true, Precision.FP32, SLOTS);
        plain = new OnnxRuntimeEngine(ckpt, "tiny", 1, 1, true, Precision.FP32);
        documents = new OnnxRuntimeEngine(ckpt, "tiny", 1, 1, true, Precision.FP32, LateChunks.slotsPerWindow(WINDOW - 2, CHUNK));
        tokenizer = DocumentTokenizer.open(dir, 10_000_000);
    }

    @AfterAll
    static void close() {
        chunked.close();
        plain.close();
        documents.close();
        tokenizer.close();
    }

    /**
     * The reference: the mean of each chunk's token states from plain forward passes of the
     * windows, every token taken from the window that owns it.
     */
    static List<float[]> reference(List<TextWindow> windows, List<Chunk> chunks) {
        List<WindowResult> states = new ArrayList<>();
        for (TextWindow w : windows) {
            states.add(plain.embed(new WindowBatch(List.of(new EngineWindow(w.ids(), w.globalMask(true), w.poolMask())), true)).windows().get(0));
        }
        List<float[]> out = new ArrayList<>();
        for (Chunk c : chunks) {
            double[] acc = new double[plain.info().dimension()];
            for (int t = c.tokenStart(); t < c.tokenEnd(); t++) {
                int owners = 0;
                for (int k = 0; k < windows.size(); k++) {
                    TextWindow w = windows.get(k);
                    int p = t - w.tokenStart() + 1;
                    if (p >= 1 && p < w.length() - 1 && w.poolMask()[p] == 1) {
                        owners++;
                        for (int d = 0; d < acc.length; d++) {
                            acc[d] += states.get(k).tokenStates()[p][d];
                        }
                    }
                }
                assertThat(owners).as("token %d has one owner", t).isEqualTo(1);
            }
            float[] v = new float[acc.length];
            for (int d = 0; d < acc.length; d++) {
                v[d] = (float) (acc[d] / c.tokenCount());
            }
            out.add(v);
        }
        return out;
    }

    static double lateChunkingDiff(String text) {
        TokenizedText doc = tokenizer.tokenize(text);
        List<TextWindow> windows = new Windower(WINDOW, OVERLAP, 0, 2, Boundaries.TEXT).cut(doc);
        List<Chunk> chunks = new Chunker(CHUNK).cut(doc);
        LateChunks late = LateChunks.of(windows, chunks);
        List<EngineWindow> engineWindows = new ArrayList<>();
        for (int k = 0; k < windows.size(); k++) {
            TextWindow w = windows.get(k);
            engineWindows.add(new EngineWindow(w.ids(), w.globalMask(true), w.poolMask(), late.slots(k)));
        }
        List<WindowResult> got = documents.embed(new WindowBatch(engineWindows, false)).windows();
        List<float[]> vectors = late.pool(got.stream().map(WindowResult::chunkSums).toList(), got.stream().map(WindowResult::chunkCounts).toList(),
                documents.info().dimension(), false);
        List<float[]> want = reference(windows, chunks);
        double maxDiff = 0;
        for (int i = 0; i < chunks.size(); i++) {
            for (int d = 0; d < want.get(i).length; d++) {
                maxDiff = Math.max(maxDiff, Math.abs(vectors.get(i)[d] - want.get(i)[d]));
            }
        }
        return maxDiff;
    }

    @Test
    void lateChunkVectorsEqualPlainForwardPassesWithEveryTokenFromItsOwningWindow() {
        String text = String.join("\n\n", TextBoundariesTest.paragraphs(14, 5));
        TokenizedText doc = tokenizer.tokenize(text);
        List<TextWindow> windows = new Windower(WINDOW, OVERLAP, 0, 2, Boundaries.TEXT).cut(doc);
        List<Chunk> chunks = new Chunker(CHUNK).cut(doc);
        assertThat(windows).as("several overlapping windows").hasSizeGreaterThan(3);
        long straddling = chunks.stream().filter(c -> windows.stream().filter(w -> owns(w, c.tokenStart())).findFirst()
                != windows.stream().filter(w -> owns(w, c.tokenEnd() - 1)).findFirst()).count();
        assertThat(straddling).as("chunks pooled from two windows").isPositive();
        double multi = lateChunkingDiff(text);
        double single = lateChunkingDiff(TextBoundariesTest.paragraphs(1, 9).get(0));
        System.out.printf("late chunk vectors vs plain forward passes: max |diff| %.2e (multi-window), %.2e (one window)%n", multi, single);
        assertThat(multi).isLessThanOrEqualTo(1e-5);
        assertThat(single).isLessThanOrEqualTo(1e-5);
    }

    static boolean owns(TextWindow w, int token) {
        int p = token - w.tokenStart() + 1;
        return p >= 1 && p < w.length() - 1 && w.poolMask()[p] == 1;
    }

    @Test
    void theSlotBoundHoldsForEveryWindow() {
        for (long seed = 1; seed <= 6; seed++) {
            TokenizedText doc = tokenizer.tokenize(String.join("\n\n", TextBoundariesTest.paragraphs(20, seed)));
            List<TextWindow> windows = new Windower(WINDOW, OVERLAP, 0, 2, Boundaries.TEXT).cut(doc);
            LateChunks late = LateChunks.of(windows, new Chunker(CHUNK).cut(doc));
            for (int k = 0; k < windows.size(); k++) {
                int most = java.util.Arrays.stream(late.slots(k)).max().orElse(-1) + 1;
                assertThat(most).isLessThanOrEqualTo(LateChunks.slotsPerWindow(WINDOW - 2, CHUNK));
            }
        }
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
