package dev.kembed.stream;

import dev.kembed.engine.EngineWindow;
import dev.kembed.text.WindowPlan;

/** A window stored until its result is applied: the durable truth the engine queue is rebuilt from. */
public record PendingWindow(int index, int[] ids, int[] poolMask, boolean globalCls, int charStart, int charEnd, int ownedTokens) {
    public EngineWindow toEngineWindow() {
        return WindowPlan.engineWindow(ids, poolMask, globalCls);
    }
}
