package dev.kembed.text;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * One retrieval chunk of a document: content tokens {@code [tokenStart, tokenEnd)} (offsets among
 * the document's content tokens, no special tokens), their span in the text as Java {@code char}
 * offsets, and that span's text. Pre-tokenized input has no text: chars are -1 and text is null.
 */
public record Chunk(int index, int tokenStart, int tokenEnd, int charStart, int charEnd, String text) {
    public Chunk {
        if (index < 0 || tokenStart < 0 || tokenEnd <= tokenStart) {
            throw new IllegalArgumentException("chunk " + index + " has no tokens: [" + tokenStart + ", " + tokenEnd + ")");
        }
    }

    public int tokenCount() {
        return tokenEnd - tokenStart;
    }

    /**
     * The record key: {@code <document id>#<index>} in decimal. The same index of the same document
     * has the same key in every version, so an upserting sink replaces it in place.
     */
    public static String key(String documentId, int index) {
        return documentId + "#" + index;
    }

    /** A name-based (version 3) UUID of {@link #key}, for vector stores whose point ids must be UUIDs. */
    public static UUID pointId(String documentId, int index) {
        return UUID.nameUUIDFromBytes(key(documentId, index).getBytes(StandardCharsets.UTF_8));
    }
}
