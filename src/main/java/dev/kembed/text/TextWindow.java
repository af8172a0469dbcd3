package dev.kembed.text;

/**
 * One window of a document, ready for the engine.
 *
 * @param index       0-based position in the document
 * @param tokenStart  first content token (index into the document's tokens), inclusive
 * @param tokenEnd    last content token, exclusive
 * @param charStart   Java-char offset in the text where the window's first token starts
 * @param charEnd     Java-char offset where its last token ends
 * @param ids         {@code <s>} + prompt ids (if any) + content ids + {@code </s>}
 * @param poolMask    1 on the content tokens this window owns: overlapping tokens are split at the
 *                    middle of the overlap, so each document token counts exactly once
 * @param cut         what ended the window (the document, a paragraph, a sentence, whitespace, the limit)
 */
public record TextWindow(int index, int tokenStart, int tokenEnd, int charStart, int charEnd, int[] ids, int[] poolMask, Windower.Cut cut) {
    public int length() {
        return ids.length;
    }

    /** Where the content starts in {@link #ids}: after {@code <s>} and the prompt. */
    public int contentOffset() {
        return ids.length - 1 - (tokenEnd - tokenStart);
    }

    public int ownedTokens() {
        int n = 0;
        for (int p : poolMask) {
            n += p;
        }
        return n;
    }

    /** Global attention on {@code <s>} only, or none. */
    public int[] globalMask(boolean globalCls) {
        return clsGlobalMask(ids.length, globalCls);
    }

    /** A mask with global attention on the first token ({@code <s>}) only, or null for none. */
    public static int[] clsGlobalMask(int length, boolean globalCls) {
        if (!globalCls) {
            return null;
        }
        int[] g = new int[length];
        g[0] = 1;
        return g;
    }
}
