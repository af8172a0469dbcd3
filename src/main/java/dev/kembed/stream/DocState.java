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
        Header[] sourceHeaders) {

    private static final Header[] NO_HEADERS = new Header[0];

    /** A state without source headers (as written before they were kept). */
    public DocState(long generation, Long version, Long timestamp, Map<String, String> metadata, String sourceTopic, int sourcePartition,
            int expectedWindows, int doneWindows, int tokenCount, double[] acc, double weight, Long receivedAt, int chunkWindows) {
        this(generation, version, timestamp, metadata, sourceTopic, sourcePartition, expectedWindows, doneWindows, tokenCount, acc, weight,
                receivedAt, chunkWindows, NO_HEADERS);
    }

    public DocState withResult(double[] newAcc, double newWeight) {
        return new DocState(generation, version, timestamp, metadata, sourceTopic, sourcePartition, expectedWindows,
                doneWindows + 1, tokenCount, newAcc, newWeight, receivedAt, chunkWindows, sourceHeaders);
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
