package dev.kembed.text;

/**
 * A document's content tokens (no special tokens), with each token's span in the original text
 * as Java {@code char} offsets (so {@code text.substring(charStart[i], charEnd[i])} works).
 */
public record TokenizedText(String text, int[] ids, String[] tokens, int[] charStart, int[] charEnd, int[] prompt) {
    /**
     * @param prompt the prompt's token ids that start every window (tokenized together with the text,
     *               as sentence-transformers does), empty for none
     */
    public TokenizedText {
        prompt = prompt == null ? new int[0] : prompt;
    }

    public TokenizedText(String text, int[] ids, String[] tokens, int[] charStart, int[] charEnd) {
        this(text, ids, tokens, charStart, charEnd, null);
    }

    public int size() {
        return ids.length;
    }
}
