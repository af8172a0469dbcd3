package dev.kembed.app.config;

import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.types.Password;

/** One area of the configuration, reading the values parsed for the whole definition. */
abstract class ConfigArea {
    protected final AbstractConfig values;

    ConfigArea(AbstractConfig values) {
        this.values = values;
    }

    /** A password key's value, or null when unset. */
    protected String secret(String key) {
        Password p = values.getPassword(key);
        return p == null ? null : p.value();
    }
}
