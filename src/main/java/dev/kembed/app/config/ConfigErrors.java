package dev.kembed.app.config;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The errors of one start-up, collected so that all are reported at once, and the keys whose values
 * failed to parse: a cross-key rule naming one of those is skipped, its error already reported.
 */
public final class ConfigErrors {
    private final List<String> errors = new ArrayList<>();
    private final Set<String> failed = new HashSet<>();

    public void add(String error) {
        errors.add(error);
    }

    /** {@code key}'s value did not parse or validate; it stays at its default. */
    public void failed(String key, String error) {
        errors.add(error);
        failed.add(key);
    }

    /** Whether none of {@code keys} failed to parse. */
    public boolean parsed(String... keys) {
        for (String k : keys) {
            if (failed.contains(k)) {
                return false;
            }
        }
        return true;
    }

    public boolean isEmpty() {
        return errors.isEmpty();
    }

    public List<String> list() {
        return List.copyOf(errors);
    }
}
