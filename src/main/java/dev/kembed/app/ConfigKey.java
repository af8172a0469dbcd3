package dev.kembed.app;

import java.util.List;

/**
 * One {@code kembed.*} setting: its name, default, what values it allows and what it does.
 * The list of keys is {@link KembedConfig#KEYS}; {@code kembed run --help} prints it.
 */
record ConfigKey(String name, Type type, String defaultValue, List<String> allowed, long min, long max, String doc) {
    enum Type { STRING, INT, LONG, BOOLEAN, CHOICE, OPTIONAL_STRING }

    static ConfigKey string(String name, String def, String doc) {
        return new ConfigKey(name, Type.STRING, def, List.of(), 0, 0, doc);
    }

    static ConfigKey optional(String name, String doc) {
        return new ConfigKey(name, Type.OPTIONAL_STRING, "", List.of(), 0, 0, doc);
    }

    static ConfigKey integer(String name, long def, long min, long max, String doc) {
        return new ConfigKey(name, Type.INT, Long.toString(def), List.of(), min, max, doc);
    }

    static ConfigKey longValue(String name, long def, long min, long max, String doc) {
        return new ConfigKey(name, Type.LONG, Long.toString(def), List.of(), min, max, doc);
    }

    static ConfigKey bool(String name, boolean def, String doc) {
        return new ConfigKey(name, Type.BOOLEAN, Boolean.toString(def), List.of("true", "false"), 0, 0, doc);
    }

    static ConfigKey choice(String name, String def, List<String> allowed, String doc) {
        return new ConfigKey(name, Type.CHOICE, def, allowed, 0, 0, doc);
    }

    /** Checks a raw value; returns an error message naming the key and what is allowed, or null. */
    String check(String raw) {
        String v = raw.trim();
        return switch (type) {
            case STRING -> v.isEmpty() ? name + " must not be empty" : null;
            case OPTIONAL_STRING -> null;
            case INT, LONG -> {
                try {
                    long x = Long.parseLong(v);
                    yield x < min || x > max ? name + "=" + v + " is out of range; allowed: " + min + " to " + max : null;
                } catch (NumberFormatException e) {
                    yield name + "=" + v + " is not a whole number; allowed: " + min + " to " + max;
                }
            }
            case BOOLEAN, CHOICE -> allowed.contains(v.toLowerCase(java.util.Locale.ROOT)) ? null
                    : name + "=" + v + " is not allowed; allowed: " + String.join(", ", allowed);
        };
    }

    String describe() {
        String range = switch (type) {
            case INT, LONG -> " [" + min + ".." + max + "]";
            case BOOLEAN, CHOICE -> " {" + String.join("|", allowed) + "}";
            default -> "";
        };
        return String.format("  %s = %s%s%n      %s", name, defaultValue.isEmpty() ? "(unset)" : defaultValue, range, doc);
    }
}
