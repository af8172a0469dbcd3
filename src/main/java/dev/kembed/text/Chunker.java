package dev.kembed.text;

import java.util.ArrayList;
import java.util.List;

/**
 * Cuts a document's content tokens into retrieval chunks of at most {@code maxTokens} tokens.
 * Chunks never overlap and every content token is in exactly one of them. With a text they end
 * at text boundaries by the rules of {@code kembed.window.boundaries=text} ({@link TextCuts}),
 * independently of where windows are cut; pre-tokenized input is cut at fixed counts. With
 * {@code maxTokens = 0} a chunk is what one window owns ({@link #ofWindows}). A chunk's char span
 * runs from its first to its last non-whitespace character, and its text is that span.
 */
public final class Chunker {
    /** One chunk per window ({@link #ofWindows}); {@link #cut} is not defined for it. */
    public static final Chunker PER_WINDOW = new Chunker();

    private final int maxTokens;

    private Chunker() {
        this.maxTokens = 0;
    }

    public Chunker(int maxTokens) {
        if (maxTokens < 1) {
            throw new IllegalArgumentException("a chunk holds at least one token, got max tokens " + maxTokens);
        }
        this.maxTokens = maxTokens;
    }

    public int maxTokens() {
        return maxTokens;
    }

    /** Chunkers with the same budget cut the same chunks. */
    @Override
    public boolean equals(Object o) {
        return o instanceof Chunker c && c.maxTokens == maxTokens;
    }

    @Override
    public int hashCode() {
        return Integer.hashCode(maxTokens);
    }

    @Override
    public String toString() {
        return maxTokens == 0 ? "Chunker[one per window]" : "Chunker[" + maxTokens + " tokens]";
    }

    public List<Chunk> cut(TokenizedText doc) {
        if (maxTokens == 0) {
            throw new IllegalStateException("one chunk per window: cut the windows with ofWindows");
        }
        boolean hasText = doc.text() != null && doc.charStart() != null;
        List<int[]> spans = TextCuts.spans(doc.size(), maxTokens, 0, hasText ? doc.text() : null, doc.charStart(), doc.charEnd());
        List<Chunk> out = new ArrayList<>(spans.size());
        for (int[] s : spans) {
            if (s[1] > s[0]) {
                out.add(chunk(out.size(), s[0], s[1], hasText ? doc : null));
            }
        }
        return out;
    }

    /** Chunks of pre-tokenized input: fixed counts, no text. */
    public List<Chunk> cut(int contentTokens) {
        return cut(new TokenizedText(null, new int[contentTokens], null, null, null));
    }

    /**
     * One chunk per window, of the content tokens the window owns (its pool mask), so the chunks
     * tile the document however the windows overlap.
     *
     * @param doc the document's text and spans, or null for pre-tokenized input
     */
    public static List<Chunk> ofWindows(List<TextWindow> windows, TokenizedText doc) {
        List<Chunk> out = new ArrayList<>(windows.size());
        for (TextWindow w : windows) {
            int[] mask = w.poolMask();
            int first = -1;
            int last = -1;
            for (int i = 0; i < mask.length; i++) {
                if (mask[i] != 0) {
                    first = first < 0 ? i : first;
                    last = i;
                }
            }
            if (first >= 0) { // position i of the window is content token tokenStart + i - 1 (after <s>)
                out.add(chunk(out.size(), w.tokenStart() + first - 1, w.tokenStart() + last, doc));
            }
        }
        return out;
    }

    private static Chunk chunk(int index, int start, int end, TokenizedText doc) {
        if (doc == null || doc.charStart() == null || doc.text() == null) {
            return new Chunk(index, start, end, -1, -1, null);
        }
        String text = doc.text();
        int cs = doc.charStart()[start];
        int ce = Math.max(cs, Math.min(doc.charEnd()[end - 1], text.length()));
        // byte-level BPE keeps the whitespace of a cut as tokens at a chunk's edge: the span leaves it out, unless it is all there is
        int s = cs;
        int e = ce;
        while (s < e && Character.isWhitespace(text.charAt(s))) {
            s++;
        }
        while (e > s && Character.isWhitespace(text.charAt(e - 1))) {
            e--;
        }
        if (s < e) {
            cs = s;
            ce = e;
        }
        return new Chunk(index, start, end, cs, ce, text.substring(cs, ce));
    }
}
