package dev.kembed.engine;

/**
 * One token window as the engine sees it, unpadded: ids include the special tokens; the attention
 * mask is implied (every id is real).
 *
 * @param globalMask 1 where the token gets global attention; may be null for none
 * @param poolMask   1 where the token counts towards the pooled {@code sum}/{@code count}
 * @param chunkSlots each token's chunk slot for late chunking (-1 = in no chunk), or null for no
 *                   chunk pooling; slot {@code s} is pooled into {@link WindowResult#chunkSums()}{@code [s]}
 */
public record EngineWindow(int[] inputIds, int[] globalMask, int[] poolMask, int[] chunkSlots) {
    public EngineWindow(int[] inputIds, int[] globalMask, int[] poolMask) {
        this(inputIds, globalMask, poolMask, null);
    }

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
        if (chunkSlots != null) {
            if (chunkSlots.length != inputIds.length) {
                throw new IllegalArgumentException("chunkSlots length " + chunkSlots.length + " != " + inputIds.length);
            }
            for (int s : chunkSlots) {
                if (s < -1) {
                    throw new IllegalArgumentException("a chunk slot is -1 (none) or at least 0, got " + s);
                }
            }
        }
    }

    /** Chunk slots this window uses (highest slot + 1); 0 without chunk pooling. */
    public int chunkCount() {
        int most = -1;
        if (chunkSlots != null) {
            for (int s : chunkSlots) {
                most = Math.max(most, s);
            }
        }
        return most + 1;
    }

    public int length() {
        return inputIds.length;
    }
}
