package dev.kembed.serde;

import org.apache.avro.Schema;

/** The part of a Confluent-compatible schema registry kembed uses. */
public interface SchemaRegistry {
    /** Registers (or finds) {@code schema} under {@code subject}; returns its global id. */
    int register(String subject, Schema schema);

    /** The writer schema with this id. */
    Schema byId(int id);

    /**
     * {@code mock://scope} gives an in-JVM registry shared by everything in the JVM that names the
     * same scope (as Confluent's serializers do in tests); http(s) URLs a REST client.
     */
    static SchemaRegistry forUrl(String url) {
        if (url.startsWith("mock://")) {
            return MockSchemaRegistry.scope(url.substring("mock://".length()));
        }
        if (url.startsWith("http://") || url.startsWith("https://")) {
            return new RestSchemaRegistry(url);
        }
        throw new IllegalArgumentException("kembed.schema.registry.url: '" + url + "' must start with mock://, http:// or https://");
    }
}
