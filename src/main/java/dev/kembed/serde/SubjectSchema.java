package dev.kembed.serde;

import org.apache.avro.Schema;

/** A schema kembed writes and the subject it is registered under. */
public record SubjectSchema(String subject, Schema schema) {
    /** {@code schema} written to {@code topic}, under the subject {@code strategy} gives. */
    public static SubjectSchema of(SubjectNameStrategy strategy, String topic, Schema schema) {
        return new SubjectSchema(strategy.subject(topic, schema), schema);
    }

    /** "subject 'x' (record full name)": how messages name it. */
    public String label() {
        return "subject '" + subject + "' (" + schema.getFullName() + ")";
    }
}
