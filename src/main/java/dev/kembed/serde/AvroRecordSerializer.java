package dev.kembed.serde;

import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.serialization.Serializer;

/** Kafka serializer writing Avro records in registry wire format under the subject its strategy names. */
public final class AvroRecordSerializer implements Serializer<GenericRecord> {
    private final AvroWireFormat wire;
    private final SubjectNameStrategy strategy;

    public AvroRecordSerializer(AvroWireFormat wire, SubjectNameStrategy strategy) {
        this.wire = wire;
        this.strategy = strategy;
    }

    @Override
    public byte[] serialize(String topic, GenericRecord data) {
        return data == null ? null : wire.write(strategy.subject(topic, data.getSchema()), data);
    }
}
