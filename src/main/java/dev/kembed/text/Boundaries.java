package dev.kembed.text;

import dev.kembed.setting.Choices;

/** Where windows are cut: every {@code max_tokens} tokens, or at the best text boundary near there. */
public enum Boundaries {
    /** Fixed token counts: an insertion shifts every later window. */
    FIXED,
    /**
     * At the latest paragraph break in the last part of the window's budget, else the latest
     * sentence end, else whitespace, else the hard limit. After an edit the cuts land on the same
     * text boundaries again, so later windows come out identical (and reusable).
     */
    TEXT;

    public String label() {
        return Choices.label(this);
    }

    public static Boundaries parse(String key, String value) {
        return Choices.parse(Boundaries.class, key, value);
    }
}
