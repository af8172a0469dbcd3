package dev.kembed.serde;

import java.util.Locale;
import org.apache.avro.Schema;

/** Confluent's subject name strategies for record values. */
public enum SubjectNameStrategy {
    /** {@code <topic>-value} (Confluent's TopicNameStrategy, the default). */
    TOPIC,
    /** The record's full name (RecordNameStrategy): one subject per record type, across topics. */
    RECORD,
    /** {@code <topic>-<record full name>} (TopicRecordNameStrategy). */
    TOPIC_RECORD;

    public String subject(String topic, Schema schema) {
        return switch (this) {
            case TOPIC -> topic + "-value";
            case RECORD -> schema.getFullName();
            case TOPIC_RECORD -> topic + "-" + schema.getFullName();
        };
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static SubjectNameStrategy parse(String key, String value) {
        for (SubjectNameStrategy s : values()) {
            if (s.label().equals(value.trim().toLowerCase(Locale.ROOT))) {
                return s;
            }
        }
        throw new IllegalArgumentException(key + "=" + value + " is not a subject name strategy; allowed: topic, record, topic-record");
    }
}
