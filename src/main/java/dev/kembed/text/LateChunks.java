package dev.kembed.text;

import java.util.ArrayList;
import java.util.List;

/**
 * Where each chunk's tokens sit in a document's windows, for late chunking: every content token is
 * pooled in the window that owns it (the windows' pool masks), into the slot of its chunk there. A
 * window's slots number the chunks it touches from 0, so the graph needs only a few slots per
 * window ({@link #slotsPerWindow}); {@link #pool} adds the windows' slot sums back per chunk, so a
 * chunk that straddles two windows is pooled from both.
 */
public final class LateChunks {
    private final List<Chunk> chunks;
    private final int[][] slots;
    private final int[] firstChunk;

    private LateChunks(List<Chunk> chunks, int[][] slots, int[] firstChunk) {
        this.chunks = chunks;
        this.slots = slots;
        this.firstChunk = firstChunk;
    }

    /** @param chunks tiling the same content tokens the windows own (from {@link Chunker}) */
    public static LateChunks of(List<TextWindow> windows, List<Chunk> chunks) {
        int tokens = chunks.isEmpty() ? 0 : chunks.get(chunks.size() - 1).tokenEnd();
        int[] chunkOf = new int[tokens];
        for (Chunk c : chunks) {
            for (int t = c.tokenStart(); t < c.tokenEnd(); t++) {
                chunkOf[t] = c.index();
            }
        }
        int[][] slots = new int[windows.size()][];
        int[] first = new int[windows.size()];
        for (int k = 0; k < windows.size(); k++) {
            TextWindow w = windows.get(k);
            int[] s = new int[w.length()];
            first[k] = -1;
            for (int p = 0; p < s.length; p++) {
                s[p] = -1;
                if (w.poolMask()[p] != 0) { // position p holds content token tokenStart + p - 1 (after <s>)
                    int chunk = chunkOf[w.tokenStart() + p - 1];
                    first[k] = first[k] < 0 ? chunk : first[k];
                    s[p] = chunk - first[k];
                }
            }
            slots[k] = s;
        }
        return new LateChunks(List.copyOf(chunks), slots, first);
    }

    /**
     * How many slots a graph needs so that any window of {@code windowCapacity} content tokens fits,
     * with chunks of at most {@code chunkMaxTokens} cut by {@link Chunker}: a chunk that is not a
     * document's last holds at least half its budget (a text cut looks back at most half), so a
     * window touches at most {@code ceil(capacity / ceil(max / 2)) + 1} chunks.
     */
    public static int slotsPerWindow(int windowCapacity, int chunkMaxTokens) {
        int least = Math.max(1, (chunkMaxTokens + 1) / 2);
        return (windowCapacity + least - 1) / least + 1;
    }

    public List<Chunk> chunks() {
        return chunks;
    }

    /** The chunk slot of every position of window {@code k} (-1 = in no chunk), as the engine takes them. */
    public int[] slots(int k) {
        return slots[k];
    }

    /**
     * Each chunk's mean token state from the windows' slot sums and counts (indexed like the
     * windows), L2-normalized when asked.
     */
    public List<float[]> pool(List<float[][]> windowSums, List<float[]> windowCounts, int dimension, boolean normalize) {
        double[][] acc = new double[chunks.size()][dimension];
        double[] n = new double[chunks.size()];
        for (int k = 0; k < slots.length; k++) {
            if (firstChunk[k] < 0) {
                continue; // owns no tokens
            }
            float[][] sums = windowSums.get(k);
            float[] counts = windowCounts.get(k);
            for (int s = 0; s < sums.length; s++) {
                int chunk = firstChunk[k] + s;
                for (int c = 0; c < dimension; c++) {
                    acc[chunk][c] += sums[s][c];
                }
                n[chunk] += counts[s];
            }
        }
        List<float[]> out = new ArrayList<>(chunks.size());
        for (int i = 0; i < chunks.size(); i++) {
            if (n[i] != chunks.get(i).tokenCount()) {
                throw new IllegalStateException("chunk " + i + " pooled " + n[i] + " tokens, it has " + chunks.get(i).tokenCount());
            }
            // a chunk's vector is a mean over its tokens, as a document's is: one pooler does both
            float[] v = new DocumentPooler(Pooling.MEAN, acc[i], n[i]).result(normalize);
            out.add(v);
        }
        return out;
    }
}
