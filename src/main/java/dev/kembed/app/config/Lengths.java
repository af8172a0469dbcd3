package dev.kembed.app.config;

import java.util.List;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

/** A list of window lengths: positive integers. */
final class Lengths implements ConfigDef.Validator {
    @Override
    public void ensureValid(String name, Object value) {
        for (Object o : (List<?>) value) {
            String s = o.toString().trim();
            if (!s.matches("[0-9]{1,6}") || Integer.parseInt(s) < 1) {
                throw new ConfigException(name, value, "'" + s + "' is not a length");
            }
        }
    }

    @Override
    public String toString() {
        return "a list of positive integers, e.g. 512,1024,2048,4096";
    }
}
