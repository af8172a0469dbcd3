package dev.kembed.engine.queue;

import dev.kembed.engine.EngineInfo;
import java.util.concurrent.TimeUnit;

/**
 * How long one engine call may run before the engine counts as hung ({@code
 * kembed.engine.call.timeout.ms}): a fixed time, or ({@code fixedMs = 0}) one derived from the
 * call's shape. The derived one must never fire on a merely slow machine, only on a call that will
 * not return: a floor of {@value #FLOOR_MS} ms (a first call that faults its weights in, a GPU
 * engine building kernels) plus {@value #MS_PER_TOKEN} ms per padded token for a 768-wide encoder
 * (BENCHMARKS: a base-size model runs about 700 tokens/s on two cores, 1.4 ms a token; 10 ms
 * covers one old or oversubscribed core), scaled by the square of the width (the linear layers'
 * cost) and by {@code 1 + padded length / 8192} (attention's share grows with the length).
 * A MiniLM batch of 2,048 tokens gets 80 s, a Longformer 4,096-token window 121 s, a bge-m3
 * 8,192-token window 352 s.
 */
public record CallDeadline(long fixedMs) {
    public static final CallDeadline AUTO = new CallDeadline(0);
    static final long FLOOR_MS = 60_000;
    static final long MS_PER_TOKEN = 10;
    static final int REFERENCE_WIDTH = 768;
    static final int ATTENTION_LENGTH = 8192;

    public CallDeadline {
        if (fixedMs < 0) {
            throw new IllegalArgumentException("a call deadline is positive, or 0 for one derived from the call's shape; got " + fixedMs);
        }
    }

    /** The deadline of a call of {@code windows} windows padded to {@code paddedLength} tokens, in nanos from its start. */
    long nanos(EngineInfo engine, int windows, int paddedLength) {
        if (fixedMs > 0) {
            return TimeUnit.MILLISECONDS.toNanos(fixedMs);
        }
        double width = Math.max(1.0, (double) engine.dimension() / REFERENCE_WIDTH);
        double perToken = MS_PER_TOKEN * width * width * (1.0 + (double) paddedLength / ATTENTION_LENGTH);
        double ms = FLOOR_MS + (double) windows * paddedLength * perToken;
        return TimeUnit.MILLISECONDS.toNanos((long) Math.min(ms, TimeUnit.DAYS.toMillis(1)));
    }
}
