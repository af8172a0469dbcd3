package dev.kembed.text;

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
                if (w.poolMask()[p] != 0) { // position p holds content token tokenStart + p - contentOffset (after <s> and a prompt)
                    int chunk = chunkOf[w.tokenStart() + p - w.contentOffset()];
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

    /**
     * The graph's slots per window for windows of {@code windowTokens} (specials included) and
     * chunks of at most {@code chunkMaxTokens} (0 = one chunk per window, which needs one slot).
     */
    public static int slotsForWindows(int windowTokens, int chunkMaxTokens) {
        return chunkMaxTokens == 0 ? 1 : slotsPerWindow(windowTokens - 2, chunkMaxTokens);
    }

    public List<Chunk> chunks() {
        return chunks;
    }

    /** The chunk slot of every position of window {@code k} (-1 = in no chunk), as the engine takes them. */
    public int[] slots(int k) {
        return slots[k];
    }

    /** The first chunk of each window's slot 0 (-1 = the window owns no tokens). */
    public int firstChunk(int k) {
        return firstChunk[k];
    }

    /**
     * Each chunk's mean token state from the windows' slot sums and counts (indexed like the
     * windows), L2-normalized when asked.
     */
    public List<float[]> pool(List<float[][]> windowSums, List<float[]> windowCounts, int dimension, boolean normalize) {
        ChunkPooler pooler = ChunkPooler.late(chunks, dimension);
        for (int k = 0; k < slots.length; k++) {
            pooler.addSlots(firstChunk[k], windowSums.get(k), windowCounts.get(k));
        }
        return pooler.vectors(normalize);
    }
}
