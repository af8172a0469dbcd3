package dev.kembed.stream;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The headers of a source record that kembed keeps for its dead letters: all of them, in order,
 * while their keys and values, plus {@value #PER_HEADER} bytes each (so that a million empty headers
 * count too), add up to at most {@link RecordLimits#SOURCE_HEADERS_MAX_BYTES};
 * the rest are dropped and counted in the header {@value #DROPPED}, so a dead letter (and the
 * document state that keeps them while a document is in flight) stays bounded.
 */
final class SourceHeaders {
    /** How many source headers were left out for size; absent when none was. */
    static final String DROPPED = "kembed.source.headers.dropped";

    /** What a header costs on top of its key and value: Kafka's two length varints, at most. */
    static final int PER_HEADER = 10;

    private SourceHeaders() {}

    static Headers bounded(Headers source) {
        RecordHeaders out = new RecordHeaders();
        long used = 0;
        int dropped = 0;
        for (Header h : source) {
            long size = h.key().getBytes(StandardCharsets.UTF_8).length + (h.value() == null ? 0 : h.value().length) + PER_HEADER;
            if (dropped == 0 && used + size <= RecordLimits.SOURCE_HEADERS_MAX_BYTES) {
                out.add(h.key(), h.value());
                used += size;
            } else {
                dropped++; // once one is dropped the later ones go too, so the kept ones are a prefix, in order
            }
        }
        if (dropped > 0) {
            out.add(DROPPED, Integer.toString(dropped).getBytes(StandardCharsets.UTF_8));
        }
        return out;
    }
}
