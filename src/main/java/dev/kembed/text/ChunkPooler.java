package dev.kembed.text;

import java.util.ArrayList;
import java.util.List;

/**
 * Folds window results into one vector per chunk, in either context: late-chunk slot sums
 * ({@link #addSlots}, a window's slot {@code s} is chunk {@code firstChunk + s}, so a chunk that
 * straddles two windows is pooled from both) or, for chunks embedded alone, the windows of a
 * chunk's own sequence ({@link #addWindow}, pooled as a document is). Each chunk's vector is
 * checked against the tokens the chunk has, so a window that went missing fails loudly instead of
 * giving a chunk a partial vector.
 */
public final class ChunkPooler {
    private final List<Chunk> chunks;
    private final DocumentPooler[] poolers;
    private final boolean alone;

    private ChunkPooler(List<Chunk> chunks, Pooling pooling, int dimension, boolean alone) {
        this.chunks = chunks;
        this.alone = alone;
        this.poolers = new DocumentPooler[chunks.size()];
        for (int i = 0; i < poolers.length; i++) {
            poolers[i] = new DocumentPooler(pooling, dimension);
        }
    }

    /** Late chunking: a chunk is the mean of its token states. */
    public static ChunkPooler late(List<Chunk> chunks, int dimension) {
        return new ChunkPooler(chunks, Pooling.MEAN, dimension, false);
    }

    /** Each chunk embedded alone, pooled by {@code pooling} over the windows of its own sequence. */
    public static ChunkPooler alone(List<Chunk> chunks, Pooling pooling, int dimension) {
        return new ChunkPooler(chunks, pooling, dimension, true);
    }

    /** A document window's per-slot sums and counts; slot 0 is chunk {@code firstChunk} (-1: the window owns no tokens). */
    public void addSlots(int firstChunk, float[][] sums, float[] counts) {
        if (firstChunk < 0 || sums == null) {
            return;
        }
        for (int s = 0; s < sums.length; s++) {
            if (counts[s] > 0) {
                poolers[firstChunk + s].add(null, sums[s], counts[s], 0);
            }
        }
    }

    /** One window of chunk {@code chunk}'s own sequence. */
    public void addWindow(int chunk, float[] cls, float[] sum, float count, int ownedTokens) {
        poolers[chunk].add(cls, sum, count, ownedTokens);
    }

    /** Every chunk's vector, in chunk order, L2-normalized when asked. */
    public List<float[]> vectors(boolean normalize) {
        List<float[]> out = new ArrayList<>(poolers.length);
        for (int i = 0; i < poolers.length; i++) {
            if (!alone && poolers[i].weight() != chunks.get(i).tokenCount()) {
                throw new IllegalStateException("chunk " + i + " pooled " + poolers[i].weight() + " tokens, it has " + chunks.get(i).tokenCount());
            }
            if (alone && poolers[i].weight() <= 0) {
                throw new IllegalStateException("chunk " + i + " has no result of its own sequence");
            }
            out.add(poolers[i].result(normalize));
        }
        return out;
    }
}
