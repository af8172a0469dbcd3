package dev.kembed.serde;

import org.apache.avro.Schema;

/** The part of a Confluent-compatible schema registry kembed uses. */
public interface SchemaRegistry {
    /** Registers (or finds) {@code schema} under {@code subject}; returns its global id. */
    int register(String subject, Schema schema);

    /** The writer schema with this id. */
    Schema byId(int id);

    /** Null when the registry answers; otherwise why not (readiness). */
    default String unreachable() {
        return null;
    }

    /**
     * {@code mock://scope} gives an in-JVM registry shared by everything in the JVM that names the
     * same scope (as Confluent's serializers do in tests); http(s) URLs a REST client.
     */
    static SchemaRegistry forUrl(String url) {
        return forSettings(RegistrySettings.of(url));
    }

    static SchemaRegistry forSettings(RegistrySettings settings) {
        String first = settings.urls().get(0);
        if (first.startsWith("mock://")) {
            return MockSchemaRegistry.scope(first.substring("mock://".length()));
        }
        return new RestSchemaRegistry(settings); // the URLs were checked by RegistrySettings
    }
}
