package dev.kembed.serde;

import dev.kembed.setting.Choices;
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
        return Choices.label(this);
    }

    public static SubjectNameStrategy parse(String key, String value) {
        return Choices.parse(SubjectNameStrategy.class, key, value);
    }
}
