package dev.kembed.serde;

import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Kafka serializer writing Avro records in registry wire format under the subject its strategy
 * names. kembed registers its output schemas at start-up, so this normally never calls the
 * registry; when it must (a schema not registered yet) and no registry answers, it retries in
 * place within {@link RegistryRetry}'s budget before giving up with a retryable error.
 */
public final class AvroRecordSerializer implements Serializer<GenericRecord> {
    private final AvroWireFormat wire;
    private final SubjectNameStrategy strategy;
    private final RegistryRetry retry;

    public AvroRecordSerializer(AvroWireFormat wire, SubjectNameStrategy strategy) {
        this(wire, strategy, RegistryRetry.standard());
    }

    public AvroRecordSerializer(AvroWireFormat wire, SubjectNameStrategy strategy, RegistryRetry retry) {
        this.wire = wire;
        this.strategy = strategy;
        this.retry = retry;
    }

    @Override
    public byte[] serialize(String topic, GenericRecord data) {
        return data == null ? null : retry.call(() -> wire.write(strategy.subject(topic, data.getSchema()), data));
    }
}
