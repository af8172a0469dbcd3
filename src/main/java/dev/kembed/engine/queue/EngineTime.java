package dev.kembed.engine.queue;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Engine time per {@link WorkClass}, as the workers measured it around every call that returned
 * results (wall time the engine was busy with the batch, retries' successful call only), and the
 * padded tokens of those calls ({@link DocumentShare}'s measure): what {@code
 * kembed_engine_seconds_total{class}} shows, so the share can be checked in seconds. Thread-safe.
 */
final class EngineTime {
    private final Map<WorkClass, LongAdder> nanos = new EnumMap<>(WorkClass.class);
    private final Map<WorkClass, LongAdder> paddedTokens = new EnumMap<>(WorkClass.class);

    EngineTime() {
        for (WorkClass c : WorkClass.values()) {
            nanos.put(c, new LongAdder());
            paddedTokens.put(c, new LongAdder());
        }
    }

    void add(WorkClass c, long callNanos, long padded) {
        nanos.get(c).add(callNanos);
        paddedTokens.get(c).add(padded);
    }

    double seconds(WorkClass c) {
        return nanos.get(c).sum() / 1e9;
    }

    long paddedTokens(WorkClass c) {
        return paddedTokens.get(c).sum();
    }
}
