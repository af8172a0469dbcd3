package dev.kembed.text;

import dev.kembed.setting.Choices;

/**
 * Which tokens get Longformer global attention. {@code auto}: the {@code <s>} of every window
 * when pooling is {@code cls} (otherwise the CLS state only sees its first w tokens), none for
 * {@code mean} (HF's default).
 */
public enum GlobalAttention {
    NONE,
    CLS,
    AUTO;

    public static GlobalAttention parse(String key, String value) {
        return Choices.parse(GlobalAttention.class, key, value);
    }

    /**
     * For commands that build or time a graph, where no pooling decides {@code auto}: {@code none}
     * or {@code cls}, as a flag.
     */
    public static boolean cls(String key, String value) {
        GlobalAttention g = parse(key, value);
        if (g == AUTO) {
            throw new IllegalArgumentException(key + ": 'auto' needs a pooling to decide; allowed here: none, cls");
        }
        return g == CLS;
    }

    public boolean globalCls(Pooling pooling) {
        return this == CLS || (this == AUTO && pooling == Pooling.CLS);
    }
}
