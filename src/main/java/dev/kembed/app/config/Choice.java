package dev.kembed.app.config;

import dev.kembed.setting.Choices;
import java.util.List;
import java.util.Locale;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

/** One of a few lower-case words, case-insensitively; its message lists them. */
public record Choice(List<String> allowed) implements ConfigDef.Validator {
    static Choice of(String... allowed) {
        return new Choice(List.of(allowed));
    }

    static <E extends Enum<E>> Choice of(Class<E> type) {
        return new Choice(Choices.labels(type));
    }

    @Override
    public void ensureValid(String name, Object value) {
        if (value == null || !allowed.contains(value.toString().trim().toLowerCase(Locale.ROOT))) {
            throw new ConfigException(name, value, "allowed: " + this);
        }
    }

    @Override
    public String toString() {
        return String.join(", ", allowed);
    }
}
