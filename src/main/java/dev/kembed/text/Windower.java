package dev.kembed.text;

import java.util.ArrayList;
import java.util.List;

/**
 * Cuts a tokenized document into windows of at most {@code maxTokens} tokens, {@code <s>} and
 * {@code </s>} included, consecutive windows sharing {@code overlap} content tokens. With
 * {@link Boundaries#TEXT} a window ends at the latest paragraph break in the last half of its
 * budget, else at the best boundary in its last quarter (see {@link Cut}); pre-tokenized input has
 * no text and is cut at fixed counts.
 */
public final class Windower {
    /** What ended a window: the document, a paragraph break, a sentence end, whitespace, or the token limit. */
    public enum Cut { END, PARAGRAPH, SENTENCE, WHITESPACE, LIMIT }

    private final int maxTokens;
    private final int overlap;
    private final int bosId;
    private final int eosId;
    private final Boundaries boundaries;

    public Windower(int maxTokens, int overlap, int bosId, int eosId) {
        this(maxTokens, overlap, bosId, eosId, Boundaries.FIXED);
    }

    /** @param bosId the token that starts every window, or -1 where the tokenizer puts none (decoders: content, then {@code <|endoftext|>}) */
    public Windower(int maxTokens, int overlap, int bosId, int eosId, Boundaries boundaries) {
        int specials = bosId >= 0 ? 2 : 1;
        if (maxTokens < specials + 1) {
            throw new IllegalArgumentException("max_tokens must be at least " + (specials + 1) + " (the specials and one token), got " + maxTokens);
        }
        if (overlap < 0 || overlap >= maxTokens - specials) {
            throw new IllegalArgumentException("overlap must be between 0 and max_tokens - " + (specials + 1) + " = " + (maxTokens - specials - 1)
                    + ", got " + overlap);
        }
        this.maxTokens = maxTokens;
        this.overlap = overlap;
        this.bosId = bosId;
        this.eosId = eosId;
        this.boundaries = boundaries;
    }

    public int maxTokens() {
        return maxTokens;
    }

    /** The special tokens every window carries: {@code <s>} and {@code </s>}, or only the closing one. */
    public int specialTokens() {
        return bosId >= 0 ? 2 : 1;
    }

    public int overlap() {
        return overlap;
    }

    public Boundaries boundaries() {
        return boundaries;
    }

    /** How many windows a document of {@code contentTokens} tokens needs with fixed boundaries (text boundaries may need more). */
    public int windowCount(int contentTokens) {
        int capacity = maxTokens - specialTokens();
        if (contentTokens <= capacity) {
            return 1;
        }
        int step = capacity - overlap;
        return 1 + (contentTokens - capacity + step - 1) / step;
    }

    public List<TextWindow> cut(TokenizedText doc) {
        return cut(doc.ids(), doc.charStart(), doc.charEnd(), doc.text(), NO_PREFIX);
    }

    /** @param charStart may be null for pre-tokenized input (windows then have no character span) */
    public List<TextWindow> cut(int[] content, int[] charStart, int[] charEnd) {
        return cut(content, charStart, charEnd, null, NO_PREFIX);
    }

    static final int[] NO_PREFIX = new int[0];

    /**
     * Windows that each start with {@code prefix} after {@code <s>} (a prompt): the prefix's tokens
     * are reserved in every window, so each holds that many content tokens fewer.
     */
    public List<TextWindow> cut(TokenizedText doc, int[] prefix) {
        return cut(doc.ids(), doc.charStart(), doc.charEnd(), doc.text(), prefix);
    }

    /** {@link #cut(TokenizedText, int[])} for pre-tokenized input. */
    public List<TextWindow> cut(int[] content, int[] prefix) {
        return cut(content, null, null, null, prefix);
    }

    private List<TextWindow> cut(int[] content, int[] charStart, int[] charEnd, String text, int[] prefix) {
        int n = content.length;
        int lead = bosId >= 0 ? 1 : 0;
        int capacity = maxTokens - specialTokens() - prefix.length;
        if (capacity - overlap < 1) {
            throw new IllegalArgumentException("a prompt of " + prefix.length + " tokens with an overlap of " + overlap
                    + " leaves no new content token in a window of " + maxTokens);
        }
        boolean byText = boundaries == Boundaries.TEXT && text != null && charStart != null;
        List<int[]> spans = TextCuts.spans(n, capacity, overlap, byText ? text : null, charStart, charEnd);
        List<TextWindow> out = new ArrayList<>(spans.size());
        int ownedFrom = 0;
        for (int k = 0; k < spans.size(); k++) {
            int s = spans.get(k)[0];
            int e = spans.get(k)[1];
            // overlap with the next window is split in the middle: the first half stays here
            int ownedTo = k == spans.size() - 1 ? n : (spans.get(k + 1)[0] + e) / 2;
            int at = lead + prefix.length; // where content starts: after <s> and the prompt
            int[] ids = new int[e - s + specialTokens() + prefix.length];
            int[] pool = new int[ids.length];
            if (lead == 1) {
                ids[0] = bosId;
            }
            System.arraycopy(prefix, 0, ids, lead, prefix.length);
            System.arraycopy(content, s, ids, at, e - s);
            ids[ids.length - 1] = eosId;
            for (int t = ownedFrom; t < ownedTo; t++) {
                pool[at + t - s] = 1;
            }
            int cs = charStart == null ? -1 : charStart[s];
            int ce = charEnd == null ? -1 : charEnd[e - 1];
            out.add(new TextWindow(k, s, e, cs, ce, ids, pool, Cut.values()[spans.get(k)[2]]));
            ownedFrom = ownedTo;
        }
        return out;
    }
}
