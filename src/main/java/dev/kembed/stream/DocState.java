package dev.kembed.stream;

import java.util.Map;

/**
 * What the document store keeps per document id while its windows are in flight: the version
 * being embedded (its source offset is the generation), the running pooled sum, and what the
 * output record needs.
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
        double weight) {

    public DocState withResult(double[] newAcc, double newWeight) {
        return new DocState(generation, version, timestamp, metadata, sourceTopic, sourcePartition, expectedWindows,
                doneWindows + 1, tokenCount, newAcc, newWeight);
    }

    public boolean complete() {
        return doneWindows >= expectedWindows;
    }

    public long sourceOffset() {
        return generation;
    }
}
