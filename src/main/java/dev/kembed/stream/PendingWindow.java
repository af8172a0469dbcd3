package dev.kembed.stream;

import dev.kembed.model.EngineWindow;

/** A window stored until its result is applied: the durable truth the engine queue is rebuilt from. */
public record PendingWindow(int index, int[] ids, int[] poolMask, boolean globalCls, int charStart, int charEnd, int ownedTokens) {
    public EngineWindow toEngineWindow() {
        int[] g = null;
        if (globalCls) {
            g = new int[ids.length];
            g[0] = 1;
        }
        return new EngineWindow(ids, g, poolMask);
    }
}
