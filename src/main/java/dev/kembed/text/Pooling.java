package dev.kembed.text;

import dev.kembed.setting.Choices;


/** How token states become one vector. */
public enum Pooling {
    /** Mean over the document's content tokens, each counted once. */
    MEAN,
    /** Token-weighted mean of each window's {@code <s>} state. */
    CLS,
    /**
     * Token-weighted mean of each window's last-token state (its {@code </s>} or {@code <|endoftext|>}):
     * what decoder embedders (Qwen3-Embedding) and sentence-transformers' {@code lasttoken} pool.
     */
    LAST;

    public static Pooling parse(String key, String value) {
        return Choices.parse(Pooling.class, key, value);
    }

    public String label() {
        return Choices.label(this);
    }
}
