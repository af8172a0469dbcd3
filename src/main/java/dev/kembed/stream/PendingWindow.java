package dev.kembed.stream;

import dev.kembed.engine.EngineWindow;
import dev.kembed.text.WindowPlan;

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

    public EngineWindow toEngineWindow() {
        EngineWindow w = WindowPlan.engineWindow(ids, poolMask, globalCls);
        return chunkSlots == null ? w : new EngineWindow(w.inputIds(), w.globalMask(), w.poolMask(), chunkSlots);
    }

    /** Whether this window is one of the document's own (pooled into its vector), not a chunk run alone. */
    public boolean ofDocument() {
        return chunk < 0;
    }
}
