package dev.kembed.text;

import java.util.Locale;

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
        try {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(key + ": '" + value + "' is not allowed; allowed: none, cls, auto");
        }
    }

    public boolean globalCls(Pooling pooling) {
        return this == CLS || (this == AUTO && pooling == Pooling.CLS);
    }
}
