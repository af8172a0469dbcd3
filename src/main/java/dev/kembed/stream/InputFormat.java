package dev.kembed.stream;

import java.util.Locale;

/** How input values are encoded. */
public enum InputFormat {
    AVRO,
    JSON,
    TEXT;

    public static InputFormat parse(String key, String value) {
        try {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(key + ": '" + value + "' is not allowed; allowed: avro, json, text");
        }
    }
}
