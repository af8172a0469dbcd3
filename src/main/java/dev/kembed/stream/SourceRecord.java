package dev.kembed.stream;

import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * Where an input record came from. Carried with the decoded event and its dead letters, because a
 * record replayed from a punctuator (a parked record, a failed window's document) has no current
 * record metadata of its own, and the coordinates must name the document's record, not whatever
 * record happens to be processed then.
 */
public record SourceRecord(String topic, int partition, long offset) {
    static SourceRecord of(RecordMetadata m) {
        return new SourceRecord(m.topic(), m.partition(), m.offset());
    }
}
