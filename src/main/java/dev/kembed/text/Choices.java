package dev.kembed.text;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Parses a configuration value into an enum constant, naming the key and the allowed values on error. */
public final class Choices {
    private Choices() {}

    public static <E extends Enum<E>> E parse(Class<E> type, String key, String value) {
        try {
            return Enum.valueOf(type, value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            String allowed = Arrays.stream(type.getEnumConstants()).map(c -> c.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", "));
            throw new IllegalArgumentException(key + ": '" + value + "' is not allowed; allowed: " + allowed);
        }
    }
}
