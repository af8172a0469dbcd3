package dev.kembed.stream;

import java.util.Map;
import org.apache.kafka.common.header.Header;

/**
 * What the document store keeps per document id while its windows are in flight: the version
 * being embedded (its source offset is the generation), the running pooled sum, and what the
 * output record needs.
 *
 * @param receivedAt   Kafka timestamp of the input record, for the end-to-end latency; null in states
 *                     written before it was kept
 * @param chunkWindows of {@code expectedWindows}, those that run a chunk alone
 *                     ({@code kembed.chunk.context=chunk}), not pooled into the document
 * @param sourceHeaders the input record's headers as {@link SourceHeaders} bounds them, for the
 *                     document's dead letter if the engine gives up on it; empty in states written
 *                     before they were kept
 * @param fingerprint  the {@link StateFingerprint} of the settings that planned this version; null in
 *                     states written before it was kept (they have no stored input either)
 */
public record DocState(
        long generation,
        Long version,
        Long timestamp,
        Map<String, String> metadata,
        String sourceTopic,
        int sourcePartition,
        int expectedWindows,
        int doneWindows,
        int tokenCount,
        double[] acc,
        double weight,
        Long receivedAt,
        int chunkWindows,
        Header[] sourceHeaders,
        String fingerprint) {

    private static final Header[] NO_HEADERS = new Header[0];

    /**
     * What a version keeps whatever its windows are: where it came from and what its record
     * carries. A recompute with other settings plans the windows again and keeps all of this.
     */
    public record Origin(long generation, Long version, Long timestamp, Map<String, String> metadata, String sourceTopic, int sourcePartition,
            Long receivedAt, Header[] sourceHeaders) {}

    /** A state without a fingerprint (as written before it was kept). */
    public DocState(long generation, Long version, Long timestamp, Map<String, String> metadata, String sourceTopic, int sourcePartition,
            int expectedWindows, int doneWindows, int tokenCount, double[] acc, double weight, Long receivedAt, int chunkWindows,
            Header[] sourceHeaders) {
        this(generation, version, timestamp, metadata, sourceTopic, sourcePartition, expectedWindows, doneWindows, tokenCount, acc, weight,
                receivedAt, chunkWindows, sourceHeaders, null);
    }

    /** A version planned into {@code expectedWindows} windows under {@code fingerprint}, none done yet: a fresh pooled sum. */
    static DocState planned(Origin o, int expectedWindows, int chunkWindows, int tokenCount, int dimension, String fingerprint) {
        return new DocState(o.generation(), o.version(), o.timestamp(), o.metadata(), o.sourceTopic(), o.sourcePartition(), expectedWindows, 0,
                tokenCount, new double[dimension], 0, o.receivedAt(), chunkWindows, o.sourceHeaders(), fingerprint);
    }

    public Origin origin() {
        return new Origin(generation, version, timestamp, metadata, sourceTopic, sourcePartition, receivedAt, sourceHeaders);
    }

    /** A state without source headers (as written before they were kept). */
    public DocState(long generation, Long version, Long timestamp, Map<String, String> metadata, String sourceTopic, int sourcePartition,
            int expectedWindows, int doneWindows, int tokenCount, double[] acc, double weight, Long receivedAt, int chunkWindows) {
        this(generation, version, timestamp, metadata, sourceTopic, sourcePartition, expectedWindows, doneWindows, tokenCount, acc, weight,
                receivedAt, chunkWindows, NO_HEADERS, null);
    }

    public DocState withResult(double[] newAcc, double newWeight) {
        return new DocState(generation, version, timestamp, metadata, sourceTopic, sourcePartition, expectedWindows,
                doneWindows + 1, tokenCount, newAcc, newWeight, receivedAt, chunkWindows, sourceHeaders, fingerprint);
    }

    /** The document's own windows (what its vector is pooled from). */
    public int documentWindows() {
        return expectedWindows - chunkWindows;
    }

    public boolean complete() {
        return doneWindows >= expectedWindows;
    }

    public long sourceOffset() {
        return generation;
    }
}
