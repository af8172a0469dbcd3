package dev.kembed.stream;

import dev.kembed.text.Choices;

/** How input values are encoded. */
public enum InputFormat {
    AVRO,
    JSON,
    TEXT;

    public static InputFormat parse(String key, String value) {
        return Choices.parse(InputFormat.class, key, value);
    }
}
