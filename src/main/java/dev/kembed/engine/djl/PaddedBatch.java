package dev.kembed.engine.djl;

import dev.kembed.engine.EngineInfo;
import dev.kembed.engine.EngineWindow;

import dev.kembed.model.arch.PositionIds;
import java.util.Arrays;
import java.util.List;

/**
 * Windows laid out as the graph's INT32 inputs, [rows, length] row-major: each window right-padded
 * with the pad id (attention mask 0), and rows past the real windows filled with the smallest
 * real window, {@code <s></s>}, whose results the engine drops. A static-shape engine (TensorRT)
 * needs every call at its bucket's exact (batch, length); a filler row of real tokens keeps every
 * softmax row finite, which an all-pad row would not be in fp16. {@code chunkSlots} is null unless
 * a window has chunk slots; padding and filler rows are in no chunk (-1).
 */
public record PaddedBatch(int windows, int rows, int length, int[] inputIds, int[] attentionMask, int[] globalMask, int[] poolMask,
        int[] chunkSlots) {

    /** @param rows at least {@code windows.size()}; @param length at least the longest window */
    public static PaddedBatch of(List<EngineWindow> windows, int rows, int length, EngineInfo info) {
        if (rows < windows.size()) {
            throw new IllegalArgumentException(windows.size() + " windows do not fit " + rows + " rows");
        }
        int[] ids = new int[rows * length];
        int[] am = new int[rows * length];
        int[] gm = new int[rows * length];
        int[] pm = new int[rows * length];
        int[] cs = windows.stream().anyMatch(w -> w.chunkSlots() != null) ? new int[rows * length] : null;
        if (cs != null) {
            Arrays.fill(cs, -1);
        }
        Arrays.fill(ids, info.padTokenId());
        for (int i = 0; i < rows; i++) {
            EngineWindow w = i < windows.size() ? windows.get(i) : null;
            int n = w == null ? 2 : w.length();
            if (n > length) {
                throw new IllegalArgumentException("a window of " + n + " tokens does not fit length " + length);
            }
            int at = i * length;
            if (w == null) {
                ids[at] = info.bosTokenId();
                ids[at + 1] = info.eosTokenId();
            } else {
                System.arraycopy(w.inputIds(), 0, ids, at, n);
                if (w.globalMask() != null) {
                    System.arraycopy(w.globalMask(), 0, gm, at, n);
                }
                System.arraycopy(w.poolMask(), 0, pm, at, n);
                if (cs != null && w.chunkSlots() != null) {
                    System.arraycopy(w.chunkSlots(), 0, cs, at, n);
                }
            }
            Arrays.fill(am, at, at + n, 1);
        }
        return new PaddedBatch(windows.size(), rows, length, ids, am, gm, pm, cs);
    }

    /** Hugging Face's position ids for these rows, counted as the architecture counts them: graphs for TensorRT take them as an input. */
    public int[] positionIds(PositionIds rule, int padTokenId) {
        return rule.host(inputIds, rows, length, padTokenId);
    }

    /** Most global tokens in one row: a static graph gathers only as many as it has slots. */
    public int maxGlobalTokens() {
        int most = 0;
        for (int r = 0; r < rows; r++) {
            int n = 0;
            for (int t = 0; t < length; t++) {
                n += globalMask[r * length + t] * attentionMask[r * length + t];
            }
            most = Math.max(most, n);
        }
        return most;
    }
}
