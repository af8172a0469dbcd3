package dev.kembed.stream;

/**
 * What bounds every record kembed writes, so that no input can make a record the producer or the
 * broker refuses (a refused send fails the stream thread, and under exactly-once the same input
 * is read again: a loop). The parts that come from input are bounded where they enter (the
 * document id, the metadata, a chunk's text, the headers kept from the source record); the dead
 * letters are cut to a set size; the largest record per topic then follows from the model
 * ({@link RecordSizes}) and is checked against the topics at start-up.
 *
 * @param metadataMaxBytes   an input's metadata, counted as {@link #metadataBytes}; more is {@code metadata-too-large}
 * @param dlqMaxValueBytes   a dead letter's value is cut to this many bytes (header {@code kembed.source.value.bytes} keeps the original size)
 * @param chunkTextMaxBytes  a chunk's text in UTF-8; a document with a longer chunk is {@code chunk-too-large}
 * @param outputMaxBytes     the output topic's {@code max.message.bytes} (0 = not known: not checked per record)
 * @param chunksMaxBytes     the chunks topic's {@code max.message.bytes} (0 = not known)
 * @param parkedChangelogMaxBytes {@code max.message.bytes} the parked-records changelog is created with (0 = the broker's default)
 */
public record RecordLimits(int metadataMaxBytes, int dlqMaxValueBytes, int chunkTextMaxBytes, int outputMaxBytes, int chunksMaxBytes,
        int parkedChangelogMaxBytes) {
    /** A document id (the record key) longer than this in UTF-8 is {@code key-too-long}: it is copied into every record of the document. */
    public static final int ID_MAX_BYTES = 4096;
    /** Source-record headers kept (for the dead letters) at most, key and value bytes together; later headers are dropped. */
    public static final int SOURCE_HEADERS_MAX_BYTES = 16_384;
    /** A dead letter's {@code kembed.error.message} is cut to this many chars. */
    public static final int MESSAGE_MAX_CHARS = 1024;
    /** A dead letter's key is cut to this many bytes (a key longer than {@link #ID_MAX_BYTES} is itself the error). */
    public static final int DLQ_MAX_KEY_BYTES = ID_MAX_BYTES;

    public static final int DEFAULT_METADATA_MAX_BYTES = 65_536;
    public static final int DEFAULT_DLQ_MAX_VALUE_BYTES = 262_144;
    public static final int DEFAULT_CHUNK_TEXT_MAX_BYTES = 131_072;

    /** The defaults, with no topic sizes known (tests, tools). */
    public static final RecordLimits DEFAULTS = new RecordLimits(DEFAULT_METADATA_MAX_BYTES, DEFAULT_DLQ_MAX_VALUE_BYTES,
            DEFAULT_CHUNK_TEXT_MAX_BYTES, 0, 0, 0);

    /**
     * {@code max.message.bytes} the document-inputs changelog is created with (0 = the broker's
     * default): the parked changelog's, as both hold at most one input record's content
     * ({@link RecordSizes#inputChangelog}).
     */
    public int inputChangelogMaxBytes() {
        return parkedChangelogMaxBytes;
    }

    /** These limits with the topics' sizes read at start-up. */
    public RecordLimits withTopics(int outputMaxBytes, int chunksMaxBytes, int parkedChangelogMaxBytes) {
        return new RecordLimits(metadataMaxBytes, dlqMaxValueBytes, chunkTextMaxBytes, outputMaxBytes, chunksMaxBytes, parkedChangelogMaxBytes);
    }

    /**
     * Metadata's size as bounded: UTF-8 bytes of every key and value plus 12 per entry, the most
     * Avro spends on an entry's lengths and union index, so the bound holds for the Avro map copied
     * into every output and chunk record whatever the number of entries.
     */
    public static long metadataBytes(java.util.Map<String, String> metadata) {
        long n = 0;
        for (java.util.Map.Entry<String, String> e : metadata.entrySet()) {
            n += utf8Length(e.getKey()) + (e.getValue() == null ? 0 : utf8Length(e.getValue())) + 12;
        }
        return n;
    }

    /** UTF-8 length without encoding (a 2.5 MB string is not copied to be measured). */
    public static long utf8Length(CharSequence s) {
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n++;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }
}
