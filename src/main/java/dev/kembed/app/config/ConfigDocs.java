package dev.kembed.app.config;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Type;

/** {@code kembed run --help}'s key list and the README's configuration table, generated from the definition. */
public final class ConfigDocs {
    private ConfigDocs() {}

    public static String help(ConfigDef def) {
        StringBuilder sb = new StringBuilder("kembed.* keys (env: KEMBED_<KEY>, dots as underscores), with defaults:\n");
        for (ConfigDef.ConfigKey k : def.configKeys().values()) {
            sb.append(String.format("  %s = %s%s%n      %s%n", k.name, defaultText(k), k.validator == null ? "" : "  " + k.validator, k.documentation));
        }
        sb.append("Any other key is passed to Kafka Streams and its clients (env: KEMBED_KAFKA_<KEY>).\n")
                .append("Defaults kembed sets: processing.guarantee=exactly_once_v2, application.id=kembed.\n")
                .append("Without bootstrap.servers kembed starts its own single-node KRaft broker.\n");
        return sb.toString();
    }

    /** The README's configuration table; a test keeps the README equal to it. */
    public static String markdownTable(ConfigDef def) {
        StringBuilder sb = new StringBuilder("| key | default | allowed | meaning |\n|---|---|---|---|\n");
        for (ConfigDef.ConfigKey k : def.configKeys().values()) {
            String allowed = k.validator != null ? k.validator.toString() : k.type == Type.BOOLEAN ? "true, false" : "";
            sb.append(String.format("| `%s` | %s | %s | %s |%n", k.name, defaultText(k).replace("|", "\\|"), allowed.replace("|", "\\|"),
                    k.documentation.replace("|", "\\|")));
        }
        return sb.toString();
    }

    private static String defaultText(ConfigDef.ConfigKey k) {
        String d = String.valueOf(k.defaultValue);
        return d.isEmpty() ? "(unset)" : d;
    }
}
