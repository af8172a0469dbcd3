package dev.kembed.testing;

import com.fasterxml.jackson.databind.node.TextNode;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Input records as a producer writes them in the JSON input format: UTF-8 key, {@code {"text": ...}} value. */
public final class JsonDocuments {
    private JsonDocuments() {}

    /** The JSON value of a document with this text. */
    public static String text(String text) {
        return "{\"text\": " + TextNode.valueOf(text) + "}";
    }

    /** A record with this key and JSON value, either of which may be null (a keyless record, a tombstone). */
    public static ProducerRecord<byte[], byte[]> record(String topic, String key, String json) {
        return new ProducerRecord<>(topic, key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                json == null ? null : json.getBytes(StandardCharsets.UTF_8));
    }

    /** A document with this key and text. */
    public static ProducerRecord<byte[], byte[]> document(String topic, String key, String text) {
        return record(topic, key, text(text));
    }
}
