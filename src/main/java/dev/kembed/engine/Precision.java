package dev.kembed.engine;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Numeric precision an engine runs the model in; part of the model's identity in every output record. */
public enum Precision {
    FP32,
    FP16,
    INT8;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Precision parse(String key, String value) {
        for (Precision p : values()) {
            if (p.label().equals(value.trim().toLowerCase(Locale.ROOT))) {
                return p;
            }
        }
        throw new IllegalArgumentException(key + "=" + value + " is not a precision; allowed: "
                + Arrays.stream(values()).map(Precision::label).collect(Collectors.joining(", ")));
    }
}
