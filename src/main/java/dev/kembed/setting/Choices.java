package dev.kembed.setting;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The one parser of enum-valued settings, for every layer (configuration keys and command-line
 * options alike). A constant's label is its name in lower case with {@code _} as {@code -}
 * ({@code TOPIC_RECORD} is {@code topic-record}); matching ignores case and surrounding blanks.
 * An error names the key, the value and every allowed label.
 */
public final class Choices {
    private Choices() {}

    public static String label(Enum<?> constant) {
        return constant.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static <E extends Enum<E>> List<String> labels(Class<E> type) {
        return Arrays.stream(type.getEnumConstants()).map(Choices::label).toList();
    }

    public static <E extends Enum<E>> E parse(Class<E> type, String key, String value) {
        String wanted = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
        for (E c : type.getEnumConstants()) {
            if (label(c).equals(wanted)) {
                return c;
            }
        }
        throw new IllegalArgumentException(key + ": '" + value + "' is not allowed; allowed: " + String.join(", ", labels(type)));
    }
}
