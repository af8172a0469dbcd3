package dev.kembed.stream;

import java.util.concurrent.atomic.AtomicLong;

/**
 * How much this process has consumed and not yet emitted, and whether it may consume more. Two
 * things grow in the state directory (RocksDB and its changelog) while input outpaces output: the
 * tokens of documents in flight (their pending windows, partial sums and chunks) and, while the
 * schema registry is down, the bytes of parked input records. Past either bound the main consumer
 * stops fetching ({@link IntakeConsumer}) while processing, punctuation and polling go on: the
 * backlog stays in the input topic, where consumer lag shows it (and a lag-based autoscaler sees
 * it), instead of growing in the state directory until the volume fills. Nothing waits, so
 * {@code max.poll.interval.ms} is never at risk, and nothing is dropped.
 *
 * <p>One per process, shared by every task and stream thread. Fetching resumes below 90% of the
 * bound, so the consumer does not flap at the edge. What was fetched before the pause is still
 * processed: the bound can be passed by at most what one fetch holds (Kafka Streams buffers up to
 * {@code buffered.records.per.partition} records per partition).
 */
public final class IntakeBound {
    /** Resume fetching below this share of a bound. */
    static final double RESUME_AT = 0.9;

    private final long maxTokens;
    private final long maxParkedBytes;
    private final AtomicLong tokens = new AtomicLong();
    private final AtomicLong parkedBytes = new AtomicLong();
    private final AtomicLong pauses = new AtomicLong();
    private volatile boolean paused;

    /**
     * @param maxTokens      tokens of documents in flight (consumed, not yet emitted) past which fetching stops
     * @param maxParkedBytes bytes of parked input records (registry outage) past which fetching stops
     */
    public IntakeBound(long maxTokens, long maxParkedBytes) {
        if (maxTokens <= 0 || maxParkedBytes <= 0) {
            throw new IllegalArgumentException("intake bounds must be positive, got " + maxTokens + " tokens and " + maxParkedBytes + " bytes");
        }
        this.maxTokens = maxTokens;
        this.maxParkedBytes = maxParkedBytes;
    }

    /** No bound at all: tests of the topology that are not about intake. */
    public static IntakeBound unbounded() {
        return new IntakeBound(Long.MAX_VALUE, Long.MAX_VALUE);
    }

    void addTokens(long delta) {
        tokens.addAndGet(delta);
    }

    void addParkedBytes(long delta) {
        parkedBytes.addAndGet(delta);
    }

    public long tokens() {
        return tokens.get();
    }

    public long parkedBytes() {
        return parkedBytes.get();
    }

    public long maxTokens() {
        return maxTokens;
    }

    public long maxParkedBytes() {
        return maxParkedBytes;
    }

    /** Times fetching was paused so far. */
    public long pauses() {
        return pauses.get();
    }

    /**
     * Whether the main consumer should fetch now; decided at each poll. Pauses at a bound, resumes
     * once both are below {@link #RESUME_AT} of theirs.
     */
    public boolean shouldPause() {
        long t = tokens.get();
        long p = parkedBytes.get();
        boolean now;
        if (paused) {
            now = t >= (long) (maxTokens * RESUME_AT) || p >= (long) (maxParkedBytes * RESUME_AT);
        } else {
            now = t >= maxTokens || p >= maxParkedBytes;
            if (now) {
                pauses.incrementAndGet();
            }
        }
        paused = now;
        return now;
    }

    /** Whether fetching is paused now (as last decided). */
    public boolean paused() {
        return paused;
    }

    /** One line for {@code /health}: what is in flight against the bounds. */
    public String describe() {
        String tokenPart = maxTokens == Long.MAX_VALUE ? tokens() + " tokens in flight (unbounded)"
                : tokens() + " of " + maxTokens + " tokens in flight";
        String parkedPart = parkedBytes() == 0 ? "" : ", " + parkedBytes() + " of " + maxParkedBytes + " bytes parked";
        return "intake: " + (paused ? "paused (backlog stays in the input topic)" : "fetching") + ", " + tokenPart + parkedPart;
    }
}
