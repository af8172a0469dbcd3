package dev.kembed.engine;

/**
 * The one rule for token ids, shared by the input check (a bad pre-tokenized document is
 * dead-lettered) and the engine's own guard (an id outside the embedding table must never reach
 * native code): every id lies in {@code [0, vocabSize)}.
 */
public final class TokenIds {
    /** The dead-letter reason of an id outside the vocabulary. */
    public static final String INVALID = "invalid-token-id";

    private TokenIds() {}

    /** Index of the first id outside {@code [0, vocabSize)}, or -1 when all are inside. */
    public static int firstOutside(int[] ids, int vocabSize) {
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= vocabSize) {
                return i;
            }
        }
        return -1;
    }

    public static String outsideMessage(String field, int[] ids, int index, int vocabSize) {
        return field + "[" + index + "] is " + ids[index] + ", outside the model's vocabulary [0, " + vocabSize + ")";
    }
}
