package dev.kembed.stream;

import org.apache.kafka.common.header.Header;

/**
 * An input record held back while the schema registry cannot answer for it (the decode processor's
 * parked store): the whole record as the input topic took it, headers included, so its dead
 * letter (if it turns out bad) carries them as a directly decoded record's does.
 *
 * @param cutFromBytes null for a whole record; else the record was larger than the changelog takes
 *                     (its Avro form; a compressed input batch can hold such a record) and is kept cut
 *                     ({@code value} bounded like a dead letter's), to be dead-lettered when replayed
 */
record ParkedRecord(byte[] key, byte[] value, long timestamp, SourceRecord source, Header[] headers, Long cutFromBytes) {
    ParkedRecord(byte[] key, byte[] value, long timestamp, SourceRecord source, Header[] headers) {
        this(key, value, timestamp, source, headers, null);
    }

    /** This record bounded for a changelog that cannot take it whole: value cut, source headers bounded. */
    ParkedRecord cut(long serializedBytes, int maxValueBytes) {
        byte[] v = value == null || value.length <= maxValueBytes ? value : java.util.Arrays.copyOf(value, maxValueBytes);
        byte[] k = key == null || key.length <= RecordLimits.DLQ_MAX_KEY_BYTES ? key : java.util.Arrays.copyOf(key, RecordLimits.DLQ_MAX_KEY_BYTES);
        return new ParkedRecord(k, v, timestamp, source, SourceHeaders.bounded(new org.apache.kafka.common.header.internals.RecordHeaders(headers))
                .toArray(), serializedBytes);
    }
}
