package dev.kembed.stream;

import dev.kembed.setting.Choices;

/** How input values are encoded. */
public enum InputFormat {
    JSON,
    AVRO,
    TEXT;

    public static InputFormat parse(String key, String value) {
        return Choices.parse(InputFormat.class, key, value);
    }
}
