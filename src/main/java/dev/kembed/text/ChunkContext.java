package dev.kembed.text;

import dev.kembed.setting.Choices;

/** What a chunk's vector sees. */
public enum ChunkContext {
    /**
     * Late chunking: the mean of the chunk's token states in the windows the document is embedded
     * in anyway, so each chunk is read in the context of its whole window.
     */
    WINDOW,
    /** Classic chunking: the chunk's text runs alone as its own sequence (for comparison, and for models trained that way). */
    CHUNK;

    public String label() {
        return Choices.label(this);
    }

    public static ChunkContext parse(String key, String value) {
        return Choices.parse(ChunkContext.class, key, value);
    }
}
