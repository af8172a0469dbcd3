package dev.kembed.stream;

import dev.kembed.text.Chunk;
import dev.kembed.text.WindowPlan;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * The largest record kembed may write to each of its topics for this model and these limits, in
 * the bytes a topic's {@code max.message.bytes} and the producer's {@code max.request.size} count
 * (key, value, headers and Kafka's record and batch overhead). Output and chunk records are
 * measured by building the worst one with the real record builder (longest id, longest topic
 * name, largest numbers) and adding the bounded parts' maximum (metadata, chunk text), so the
 * figure follows the schema instead of a hand-kept formula. Start-up refuses topics that cannot
 * hold these; the stream also checks each record before writing it (a net that should never catch).
 */
public final class RecordSizes {
    /** Kafka's bytes around one record in its own batch: the batch header (61) and the record's varints and attributes (≤ 21), rounded up. */
    static final int RECORD_OVERHEAD = 128;
    /** The registry wire format's magic byte and schema id. */
    static final int WIRE_HEADER = 5;
    /** kembed's own dead-letter headers at most: nine keys with their varints, reason, topic (≤ 249), numbers, and the message (≤ 1024 chars, ≤ 3 bytes each). */
    static final int KEMBED_DLQ_HEADERS_MAX = 8192;
    /** What a parked value (Avro, a whole input record) may add to the record as the input topic took it. */
    public static final int PARKED_OVERHEAD = 65_536;
    /** Kafka's longest topic name. */
    private static final int TOPIC_NAME_MAX = 249;

    private RecordSizes() {}

    /** The largest document record on the output topic. */
    public static long document(WindowPlan plan, RecordLimits limits) {
        OutputRecords records = new OutputRecords(plan.engine(), plan.settings(), plan.fingerprint());
        String id = longestId();
        long value = avroBytes(records.document(id, worstState(), new float[plan.engine().dimension()]));
        return record(id, value + limits.metadataMaxBytes() + 16, 0);
    }

    /** The largest chunk record on the chunks topic. */
    public static long chunk(WindowPlan plan, ChunkOutput out, RecordLimits limits) {
        OutputRecords records = new OutputRecords(plan.engine(), plan.settings(), plan.fingerprint());
        String id = longestId();
        Chunk c = new Chunk(Integer.MAX_VALUE, 1 << 28, Integer.MAX_VALUE, Integer.MIN_VALUE, Integer.MIN_VALUE, out.withText() ? "" : null);
        long value = avroBytes(records.chunk(id, worstState(), c, Integer.MAX_VALUE, new float[plan.engine().dimension()], out.context(),
                out.withText()));
        long text = out.withText() ? limits.chunkTextMaxBytes() + 8 : 0;
        return record(Chunk.key(id, Integer.MAX_VALUE), value + limits.metadataMaxBytes() + 16 + text, 0);
    }

    /** The largest dead letter: key and value cut to their bounds, the source headers kept and kembed's own. */
    public static long deadLetter(RecordLimits limits) {
        return RecordLimits.DLQ_MAX_KEY_BYTES + (long) limits.dlqMaxValueBytes() + RecordLimits.SOURCE_HEADERS_MAX_BYTES + KEMBED_DLQ_HEADERS_MAX
                + RECORD_OVERHEAD;
    }

    /**
     * What the parked-records changelog is given: the largest input record plus {@link #PARKED_OVERHEAD}.
     * A record larger than that in Avro (a compressed input batch can hold one) is parked with its
     * value cut and dead-lettered {@code record-too-large} when replayed.
     */
    public static long parkedChangelog(long inputMaxMessageBytes) {
        return inputMaxMessageBytes + PARKED_OVERHEAD;
    }

    /**
     * What the document-inputs changelog is given: the same as the parked changelog. A stored input
     * is the input's text in UTF-8 (never more than the record that carried it, whatever its format)
     * or its ids as Avro varints (never more than their JSON digits or Avro varints in the input),
     * plus the document id and a few bytes. A larger one (a compressed batch) is not stored
     * ({@link DocumentStores#putInput}).
     */
    public static long inputChangelog(long inputMaxMessageBytes) {
        return parkedChangelog(inputMaxMessageBytes);
    }

    /** A record's size as a topic counts it, with the value in registry wire format. */
    static long record(String key, long avroValueBytes, long headerBytes) {
        return RecordLimits.utf8Length(key) + WIRE_HEADER + avroValueBytes + headerBytes + RECORD_OVERHEAD;
    }

    /** The Avro binary size of {@code r}, counted without keeping the bytes. */
    static long avroBytes(SpecificRecordBase r) {
        Counting out = new Counting();
        try {
            BinaryEncoder e = EncoderFactory.get().directBinaryEncoder(out, null);
            // the record's own SpecificData, as the serializer writes it: SpecificData.get() would load the class by name, which Avro 1.12 forbids
            new SpecificDatumWriter<SpecificRecordBase>(r.getSchema(), r.getSpecificData()).write(r, e);
            e.flush();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return out.count;
    }

    private static String longestId() {
        return "x".repeat(RecordLimits.ID_MAX_BYTES);
    }

    /** A state whose every number takes its longest varint (zigzag: large negatives too); no metadata (its bound is added). */
    private static DocState worstState() {
        return new DocState(Long.MIN_VALUE, Long.MIN_VALUE, Long.MAX_VALUE, Map.of(), "t".repeat(TOPIC_NAME_MAX), Integer.MIN_VALUE,
                -(1 << 30), 0, Integer.MIN_VALUE, new double[0], 0, null, 1 << 30);
    }

    private static final class Counting extends OutputStream {
        long count;

        @Override
        public void write(int b) {
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            count += len;
        }
    }
}
