package dev.kembed.stream;

/** Node, store and header names of the topology, used everywhere by constant. */
public final class Names {
    private Names() {}

    public static final String SOURCE = "kembed-source";
    public static final String DECODE = "kembed-decode";
    public static final String EMBED = "kembed-embed";
    public static final String DEAD_LETTERS = "kembed-dead-letters";
    public static final String OUTPUT_SINK = "kembed-output-sink";
    public static final String CHUNKS_SINK = "kembed-chunks-sink";
    public static final String DLQ_SINK = "kembed-dlq-sink";

    public static final String DOCUMENT_STORE = "kembed-documents";
    public static final String PENDING_STORE = "kembed-pending-windows";
    public static final String RESULT_STORE = "kembed-window-results";
    public static final String CHUNK_COUNT_STORE = "kembed-chunk-counts";
    public static final String PENDING_CHUNK_STORE = "kembed-pending-chunks";
    public static final String PARKED_STORE = "kembed-parked-records";
    /** What each document version in flight was admitted from (its text or ids), for a recompute after a settings change. */
    public static final String INPUT_STORE = "kembed-document-inputs";

    public static final String HEADER_REASON = "kembed.error.reason";
    public static final String HEADER_MESSAGE = "kembed.error.message";
    public static final String HEADER_TOPIC = "kembed.source.topic";
    public static final String HEADER_PARTITION = "kembed.source.partition";
    public static final String HEADER_OFFSET = "kembed.source.offset";
    /** The dead letter's original value size in bytes (its value may be cut). */
    public static final String HEADER_VALUE_BYTES = "kembed.source.value.bytes";
    /** The dead letter's original key size in bytes (its key may be cut). */
    public static final String HEADER_KEY_BYTES = "kembed.source.key.bytes";
    /** What was cut to bound the dead letter: {@code key}, {@code value} or {@code key,value}; absent when nothing was. */
    public static final String HEADER_TRUNCATED = "kembed.dlq.truncated";
}
