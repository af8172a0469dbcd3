package dev.kembed.serde;

import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.serialization.Serializer;

/** Kafka serializer writing Avro records in registry wire format under subject {@code <topic>-value}. */
public final class AvroRecordSerializer implements Serializer<GenericRecord> {
    private final AvroWireFormat wire;

    public AvroRecordSerializer(AvroWireFormat wire) {
        this.wire = wire;
    }

    @Override
    public byte[] serialize(String topic, GenericRecord data) {
        return data == null ? null : wire.write(topic + "-value", data);
    }
}
