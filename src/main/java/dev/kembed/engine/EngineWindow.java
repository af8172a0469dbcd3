package dev.kembed.engine;

/**
 * One token window as the engine sees it, unpadded: ids include the special tokens; the attention
 * mask is implied (every id is real).
 *
 * @param globalMask 1 where the token gets global attention; may be null for none
 * @param poolMask   1 where the token counts towards the pooled {@code sum}/{@code count}
 */
public record EngineWindow(int[] inputIds, int[] globalMask, int[] poolMask) {
    public EngineWindow {
        if (inputIds.length == 0) {
            throw new IllegalArgumentException("a window needs at least one token");
        }
        if (globalMask != null && globalMask.length != inputIds.length) {
            throw new IllegalArgumentException("globalMask length " + globalMask.length + " != " + inputIds.length);
        }
        if (poolMask.length != inputIds.length) {
            throw new IllegalArgumentException("poolMask length " + poolMask.length + " != " + inputIds.length);
        }
    }

    public int length() {
        return inputIds.length;
    }
}
