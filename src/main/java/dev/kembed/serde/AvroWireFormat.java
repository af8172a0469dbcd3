package dev.kembed.serde;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;

/**
 * Schema Registry wire format: magic byte 0, the 4-byte big-endian schema id, then Avro binary.
 * Records are handled as {@link GenericRecord} so any compatible writer schema can be read.
 */
public final class AvroWireFormat {
    private final SchemaRegistry registry;

    public AvroWireFormat(SchemaRegistry registry) {
        this.registry = registry;
    }

    public byte[] write(String subject, GenericRecord record) {
        int id = registry.register(subject, record.getSchema());
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        out.write(0);
        out.writeBytes(ByteBuffer.allocate(4).putInt(id).array());
        BinaryEncoder enc = EncoderFactory.get().directBinaryEncoder(out, null);
        try {
            // generated classes carry logical-type conversions (timestamp-millis as Instant) in their own model
            DatumWriter<GenericRecord> writer = record instanceof SpecificRecordBase specific
                    ? new SpecificDatumWriter<>(specific.getSchema(), specific.getSpecificData())
                    : new GenericDatumWriter<>(record.getSchema(), GenericData.get());
            writer.write(record, enc);
            enc.flush();
        } catch (IOException e) {
            throw SerdeException.fatal("avro-write", "cannot encode " + record.getSchema().getFullName() + ": " + e.getMessage(), e);
        }
        return out.toByteArray();
    }

    /** Reads with the writer's schema from the registry, resolved to {@code readerSchema}. */
    public GenericRecord read(byte[] bytes, Schema readerSchema) {
        if (bytes.length < 5 || bytes[0] != 0) {
            throw SerdeException.badValue("not-wire-format", "value is not in Schema Registry wire format (magic byte 0 + schema id)");
        }
        int id = ByteBuffer.wrap(bytes, 1, 4).getInt();
        Schema writer = registry.byId(id);
        BinaryDecoder dec = DecoderFactory.get().binaryDecoder(bytes, 5, bytes.length - 5, null);
        try {
            return new GenericDatumReader<GenericRecord>(writer, readerSchema).read(null, dec);
        } catch (IOException | RuntimeException e) {
            throw SerdeException.badValue("bad-avro", "cannot decode Avro with schema id " + id + ": " + e.getMessage());
        }
    }

    public static Schema load(String resource) {
        try (var in = AvroWireFormat.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("schema resource " + resource + " missing");
            }
            return new Schema.Parser().parse(in);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
