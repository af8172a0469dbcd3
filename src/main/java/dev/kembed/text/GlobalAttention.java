package dev.kembed.text;


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

    public boolean globalCls(Pooling pooling) {
        return this == CLS || (this == AUTO && pooling == Pooling.CLS);
    }
}
