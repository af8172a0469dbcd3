package dev.kembed.text;

/**
 * A document's content tokens (no special tokens), with each token's span in the original text
 * as Java {@code char} offsets (so {@code text.substring(charStart[i], charEnd[i])} works).
 */
public record TokenizedText(String text, int[] ids, String[] tokens, int[] charStart, int[] charEnd) {
    public int size() {
        return ids.length;
    }
}
