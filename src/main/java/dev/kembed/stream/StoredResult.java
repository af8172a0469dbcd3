package dev.kembed.stream;

import dev.kembed.embed.DocumentWindows;
import dev.kembed.engine.WindowResult;

/**
 * A window's result as the window-results store keeps it, with the identity that makes it
 * reusable, and where the window sits in its version's chunks ({@code firstChunk}, {@code chunk},
 * {@code ownedTokens}: copied from the pending window, not part of the identity, since the same
 * window may sit at another chunk index in a later version).
 */
record StoredResult(String identity, float[] cls, float[] sum, float count, float[][] chunkSums, float[] chunkCounts, int firstChunk,
        int chunk, int ownedTokens) {
    static StoredResult of(String identity, WindowResult r, PendingWindow w) {
        return new StoredResult(identity, r.cls(), r.sum(), r.count(), r.chunkSums(), r.chunkCounts(), w.firstChunk(), w.chunk(),
                w.ownedTokens());
    }

    /** Where the window pools (its chunk and slots), for the core's chunk pooling; the engine window itself is not kept. */
    DocumentWindows.Window window() {
        return new DocumentWindows.Window(-1, null, -1, -1, ownedTokens, firstChunk, chunk);
    }

    WindowResult result() {
        return new WindowResult(cls, sum, count, null, chunkSums, chunkCounts);
    }
}
