package dev.kembed.text;

import java.util.ArrayList;
import java.util.List;

/**
 * Cuts a tokenized document into windows of at most {@code maxTokens} tokens, {@code <s>} and
 * {@code </s>} included, consecutive windows sharing {@code overlap} content tokens.
 */
public final class Windower {
    private final int maxTokens;
    private final int overlap;
    private final int bosId;
    private final int eosId;

    public Windower(int maxTokens, int overlap, int bosId, int eosId) {
        if (maxTokens < 3) {
            throw new IllegalArgumentException("max_tokens must be at least 3 (<s>, one token, </s>), got " + maxTokens);
        }
        if (overlap < 0 || overlap >= maxTokens - 2) {
            throw new IllegalArgumentException("overlap must be between 0 and max_tokens - 3 = " + (maxTokens - 3) + ", got " + overlap);
        }
        this.maxTokens = maxTokens;
        this.overlap = overlap;
        this.bosId = bosId;
        this.eosId = eosId;
    }

    public int maxTokens() {
        return maxTokens;
    }

    public int overlap() {
        return overlap;
    }

    /** How many windows a document of {@code contentTokens} tokens needs. */
    public int windowCount(int contentTokens) {
        int capacity = maxTokens - 2;
        if (contentTokens <= capacity) {
            return 1;
        }
        int step = capacity - overlap;
        return 1 + (contentTokens - capacity + step - 1) / step;
    }

    public List<TextWindow> cut(TokenizedText doc) {
        return cut(doc.ids(), doc.charStart(), doc.charEnd());
    }

    /** @param charStart may be null for pre-tokenized input (windows then have no character span) */
    public List<TextWindow> cut(int[] content, int[] charStart, int[] charEnd) {
        int n = content.length;
        int capacity = maxTokens - 2;
        int step = capacity - overlap;
        int count = windowCount(n);
        List<TextWindow> out = new ArrayList<>(count);
        int ownedFrom = 0;
        for (int k = 0; k < count; k++) {
            int start = k * step;
            int end = Math.min(start + capacity, n);
            int nextStart = (k + 1) * step;
            // overlap with the next window is split in the middle: the first half stays here
            int ownedTo = k == count - 1 ? n : (nextStart + end) / 2;
            int[] ids = new int[end - start + 2];
            int[] pool = new int[ids.length];
            ids[0] = bosId;
            System.arraycopy(content, start, ids, 1, end - start);
            ids[ids.length - 1] = eosId;
            for (int t = ownedFrom; t < ownedTo; t++) {
                pool[1 + t - start] = 1;
            }
            int cs = charStart == null ? -1 : charStart[start];
            int ce = charEnd == null ? -1 : charEnd[end - 1];
            out.add(new TextWindow(k, start, end, cs, ce, ids, pool));
            ownedFrom = ownedTo;
        }
        return out;
    }
}
