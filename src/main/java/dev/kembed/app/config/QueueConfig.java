package dev.kembed.app.config;

import dev.kembed.engine.queue.SchedulingPolicy;
import dev.kembed.engine.queue.WorkerSettings;
import java.util.Properties;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;

/**
 * The engine queue: how windows are batched, how many may wait and in which order, the workers that
 * run batches on the engine and retry it, and how often tasks collect finished windows.
 */
public final class QueueConfig extends ConfigArea {
    public static final String BATCH_MAX_TOKENS = "kembed.batch.max.tokens";
    public static final String BATCH_MAX_WINDOWS = "kembed.batch.max.windows";
    public static final String BATCH_MAX_WAIT_MS = "kembed.batch.max.wait.ms";
    public static final String BATCH_BUCKET_TOKENS = "kembed.batch.bucket.tokens";
    public static final String QUEUE_MAX_WINDOWS = "kembed.queue.max.windows";
    public static final String QUEUE_MAX_BLOCK_MS = "kembed.queue.max.block.ms";
    public static final String QUEUE_POLICY = "kembed.queue.policy";
    public static final String QUEUE_MAX_DELAY_MS = "kembed.queue.max.delay.ms";
    public static final String QUEUE_DOCUMENT_SHARE = "kembed.queue.document.share";
    public static final String ENGINE_THREADS = "kembed.engine.threads";
    public static final String ENGINE_RETRIES = "kembed.engine.retries";
    public static final String ENGINE_RETRY_BACKOFF_MS = "kembed.engine.retry.backoff.ms";
    public static final String DRAIN_INTERVAL_MS = "kembed.drain.interval.ms";
    public static final String ENGINE_CALL_TIMEOUT_MS = "kembed.engine.call.timeout.ms";
    public static final String ENGINE_HUNG_MAX_REOPENS = "kembed.engine.hung.max.reopens";

    public QueueConfig(AbstractConfig values) {
        super(values);
    }

    public static void define(ConfigDef def) {
        def.define(BATCH_MAX_TOKENS, Type.INT, 0, Range.atLeast(0), Importance.MEDIUM,
                        "Padded tokens per batch (windows x bucket length); must hold one full window. 0 = as the engine batches best: "
                                + "one maximal window on CPU engines, at least 2048 (larger batches do not raise their throughput, they only "
                                + "hold the engine longer), a full static batch on TensorRT, else 16384.")
                .define(BATCH_MAX_WINDOWS, Type.INT, 64, Range.between(1, 100_000), Importance.MEDIUM, "Windows per batch.")
                .define(BATCH_MAX_WAIT_MS, Type.LONG, 50L, Range.between(0, 600_000), Importance.MEDIUM,
                        "How long a window may wait for a fuller batch.")
                .define(BATCH_BUCKET_TOKENS, Type.INT, 0, Range.between(0, 1 << 20), Importance.LOW,
                        "Length-bucket width: batches only mix windows of one bucket, padded to their longest (0 = the model's attention window; 8 tokens for a model without one).")
                .define(QUEUE_MAX_WINDOWS, Type.INT, 1024, Range.between(1, 10_000_000), Importance.MEDIUM,
                        "Windows queued per process before tasks wait (backpressure).")
                .define(QUEUE_MAX_BLOCK_MS, Type.LONG, 10_000L, Range.between(0, 3_600_000), Importance.LOW,
                        "Longest a stream thread waits for queue space between two polls, in all its process() and init() calls "
                                + "together, whatever the number of windows (the rest stay pending and go later; punctuations never wait); "
                                + "at most half of max.poll.interval.ms.")
                .define(QUEUE_POLICY, Type.STRING, "shortest-first", Choice.of(SchedulingPolicy.class), Importance.MEDIUM,
                        "Which queued window runs next: shortest-first (the document with the fewest tokens left goes first, so a short "
                                + "document never waits behind a long one) or fifo (oldest first, for comparison).")
                .define(QUEUE_MAX_DELAY_MS, Type.LONG, 30_000L, Range.between(0, 86_400_000), Importance.LOW,
                        "shortest-first: a window that has waited this long goes first whatever its document's size (the starvation "
                                + "bound); at least kembed.batch.max.wait.ms.")
                .define(QUEUE_DOCUMENT_SHARE, Type.DOUBLE, 0.2, Range.between(0.0, 1.0), Importance.MEDIUM,
                        "Documents' share of the engine's padded tokens while queries and documents both wait: queries go first, "
                                + "but under a query flood every document batch that is owed its share runs ahead of them (0 = queries "
                                + "always first; at 0.5 or less a query waits at most for the batches in flight and one full document batch).")
                .define(ENGINE_THREADS, Type.INT, 1, Range.between(1, 64), Importance.MEDIUM, "Workers running batches on the engine.")
                .define(ENGINE_RETRIES, Type.INT, 2, Range.between(0, 100), Importance.LOW, "Retries of a transient engine failure.")
                .define(ENGINE_RETRY_BACKOFF_MS, Type.LONG, 200L, Range.between(0, 600_000), Importance.LOW,
                        "First retry delay (doubles each retry); also the first pause between health checks while the engine is down.")
                .define(ENGINE_CALL_TIMEOUT_MS, Type.LONG, 0L, Range.between(0, 86_400_000), Importance.LOW,
                        "How long one engine call may run before the engine counts as hung: it is marked down naming the call, the "
                                + "call's windows run again on a fresh engine instance (0 = from the call's shape: 60 s plus 10 ms per padded "
                                + "token, more for wider models and longer windows).")
                .define(ENGINE_HUNG_MAX_REOPENS, Type.INT, 2, Range.between(0, 100), Importance.LOW,
                        "Fresh engine instances a process opens after hung calls (a hung instance cannot be closed); one more hang "
                                + "and kembed exits non-zero so that it is restarted.")
                .define(DRAIN_INTERVAL_MS, Type.LONG, 20L, Range.between(1, 60_000), Importance.LOW,
                        "How often idle tasks pick up finished windows.");
    }

    /**
     * A stream thread waits for queue space at most half of Kafka's poll interval, or it gets fenced;
     * the starvation bound is no shorter than a batch's wait.
     *
     * @param kafka the pass-through Kafka properties ({@code max.poll.interval.ms})
     */
    public void check(ConfigErrors errors, Properties kafka) {
        Long maxPoll = null;
        try {
            maxPoll = Long.parseLong(kafka.getProperty("max.poll.interval.ms", "300000").trim());
        } catch (NumberFormatException e) {
            errors.add("max.poll.interval.ms=" + kafka.getProperty("max.poll.interval.ms") + " is not a number of milliseconds");
        }
        if (maxPoll != null && errors.parsed(QUEUE_MAX_BLOCK_MS) && queueMaxBlockMs() * 2 > maxPoll) {
            errors.add(QUEUE_MAX_BLOCK_MS + "=" + queueMaxBlockMs() + " must be at most half of max.poll.interval.ms (" + maxPoll
                    + ") or a waiting stream thread gets fenced");
        }
        if (errors.parsed(QUEUE_MAX_DELAY_MS, BATCH_MAX_WAIT_MS) && values.getLong(QUEUE_MAX_DELAY_MS) < values.getLong(BATCH_MAX_WAIT_MS)) {
            errors.add(QUEUE_MAX_DELAY_MS + "=" + values.getLong(QUEUE_MAX_DELAY_MS) + " must be at least " + BATCH_MAX_WAIT_MS + " ("
                    + values.getLong(BATCH_MAX_WAIT_MS) + ")");
        }
    }

    public long queueMaxBlockMs() {
        return values.getLong(QUEUE_MAX_BLOCK_MS);
    }

    public int engineThreads() {
        return values.getInt(ENGINE_THREADS);
    }

    public long drainIntervalMs() {
        return values.getLong(DRAIN_INTERVAL_MS);
    }

    public WorkerSettings workerSettings() {
        return new WorkerSettings(values.getInt(BATCH_MAX_TOKENS), values.getInt(BATCH_MAX_WINDOWS), values.getLong(BATCH_MAX_WAIT_MS),
                values.getInt(BATCH_BUCKET_TOKENS), values.getInt(QUEUE_MAX_WINDOWS), queueMaxBlockMs(), engineThreads(),
                values.getInt(ENGINE_RETRIES), values.getLong(ENGINE_RETRY_BACKOFF_MS), SchedulingPolicy.parse(QUEUE_POLICY,
                values.getString(QUEUE_POLICY)), values.getLong(QUEUE_MAX_DELAY_MS), values.getLong(ENGINE_CALL_TIMEOUT_MS),
                values.getInt(ENGINE_HUNG_MAX_REOPENS), values.getDouble(QUEUE_DOCUMENT_SHARE));
    }
}
