package dev.kembed.stream;

import dev.kembed.embed.DocumentWindows;
import dev.kembed.engine.EngineWindow;

/**
 * A window stored until its result is applied: the durable truth the engine queue is rebuilt from.
 *
 * @param chunkSlots late chunking: each token's chunk slot (-1 = none), or null
 * @param firstChunk late chunking: the document chunk of slot 0, -1 when the window has none
 * @param chunk      with chunks embedded alone: the chunk this window is a sequence of; -1 for a
 *                   window of the document (the only kind that is pooled into the document vector)
 */
public record PendingWindow(int index, int[] ids, int[] poolMask, boolean globalCls, int charStart, int charEnd, int ownedTokens,
        int[] chunkSlots, int firstChunk, int chunk) {
    public PendingWindow(int index, int[] ids, int[] poolMask, boolean globalCls, int charStart, int charEnd, int ownedTokens) {
        this(index, ids, poolMask, globalCls, charStart, charEnd, ownedTokens, null, -1, -1);
    }

    /** A planned window as the pending store keeps it ({@code globalCls} as the plan marked it). */
    public static PendingWindow of(DocumentWindows.Window w, boolean globalCls) {
        EngineWindow e = w.engine();
        return new PendingWindow(w.index(), e.inputIds(), e.poolMask(), globalCls, w.charStart(), w.charEnd(), w.ownedTokens(),
                e.chunkSlots(), w.firstChunk(), w.chunk());
    }

    public EngineWindow toEngineWindow() {
        return DocumentWindows.engineWindow(ids, poolMask, globalCls, chunkSlots);
    }

    /** Back to the core's window, to pool its result. */
    public DocumentWindows.Window toWindow() {
        return new DocumentWindows.Window(index, toEngineWindow(), charStart, charEnd, ownedTokens, firstChunk, chunk);
    }

    /** Whether this window is one of the document's own (pooled into its vector), not a chunk run alone. */
    public boolean ofDocument() {
        return chunk < 0;
    }
}
