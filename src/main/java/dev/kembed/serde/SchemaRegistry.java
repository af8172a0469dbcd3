package dev.kembed.serde;

import org.apache.avro.Schema;

/** The part of a Confluent-compatible schema registry kembed uses. */
public interface SchemaRegistry {
    /** Registers (or finds) {@code schema} under {@code subject}; returns its global id. */
    int register(String subject, Schema schema);

    /**
     * Registers {@code schema} under {@code subject} again, asking the registry even when this
     * client already knows the id, and keeps the answer. A registry that lost its storage (an
     * in-memory one restarted) hands out a new id; without this kembed would go on writing the old
     * one. Registering a schema the subject already holds is a lookup on Confluent's and Apicurio's
     * registries: no new version.
     */
    default int registerAgain(String subject, Schema schema) {
        return register(subject, schema);
    }

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
