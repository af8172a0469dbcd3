package dev.kembed.stream;

import dev.kembed.error.KembedException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.Cancellable;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Raw bytes in; a {@link DocumentEvent} (or a tombstone) on to the embed processor, or a
 * {@link DeadLetter} with the original bytes and the reason. Never throws on bad input.
 *
 * <p>A record that cannot be decoded <em>now</em> (the schema registry does not answer for its
 * schema id) is not bad: it is parked in a changelogged store, and so is every later record of
 * the task, so nothing overtakes it. A wall-clock punctuator replays the parked records in order,
 * with a doubling backoff between attempts ({@link RetryBackoff}). The stream thread never sleeps
 * and never dies for it; a parked record is delayed, never dead-lettered, and survives a restart.
 */
final class DecodeProcessor implements Processor<byte[], byte[], String, Decoded> {
    private static final Logger LOG = LoggerFactory.getLogger(DecodeProcessor.class);
    /** How often the punctuator looks whether a retry is due. */
    static final Duration RETRY_TICK = Duration.ofMillis(100);
    /** Records replayed per punctuation at most, so one punctuation stays short. */
    static final int REPLAY_BATCH = 256;

    private final DocumentDecoder decoder;
    private final PipelineMetrics metrics;
    private final RetryBackoff backoff;
    private final IntakeBound intake;
    private final RecordLimits limits;
    // One life of the task: a revived task gets close() and init() again on this object, so
    // init() recounts from the store and close() gives back what this life counted.
    private ProcessorContext<String, Decoded> ctx;
    private KeyValueStore<String, ParkedRecord> parked;
    private long parkedCount;
    private long parkedBytes;
    private long nextSeq;
    private Cancellable retry;

    DecodeProcessor(DocumentDecoder decoder, PipelineMetrics metrics, RetryBackoff backoff, IntakeBound intake, RecordLimits limits) {
        this.decoder = decoder;
        this.intake = intake;
        this.limits = limits;
        this.metrics = metrics;
        this.backoff = backoff;
    }

    @Override
    public void init(ProcessorContext<String, Decoded> context) {
        close(); // a revived task may come back without a close() first
        this.ctx = context;
        this.parked = context.getStateStore(Names.PARKED_STORE);
        try (KeyValueIterator<String, ParkedRecord> it = parked.all()) {
            while (it.hasNext()) {
                KeyValue<String, ParkedRecord> next = it.next();
                nextSeq = Long.parseLong(next.key) + 1;
                parkedCount++;
                countBytes(sizeOf(next.value));
            }
        }
        if (parkedCount > 0) {
            metrics.parked(parkedCount);
            LOG.info("task {}: {} records parked while the schema registry was unavailable; replaying them", context.taskId(), parkedCount);
            scheduleRetry();
        }
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        metrics.documentIn();
        SourceRecord source = SourceRecord.of(ctx.recordMetadata().orElseThrow());
        ParkedRecord r = new ParkedRecord(record.key(), record.value(), record.timestamp(), source, record.headers().toArray());
        if (parkedCount > 0) {
            park(r); // keeps the order: nothing overtakes a parked record of this task
            return;
        }
        try {
            decodeAndForward(r);
        } catch (KembedException e) {
            long pause = retryLater(e, ctx.currentSystemTimeMs()); // throws what is not retryable: nothing parked then
            park(r);
            LOG.warn("task {}: {}; parking input from {}-{}@{} on, next attempt in {} ms", ctx.taskId(), e.getMessage(), source.topic(),
                    source.partition(), source.offset(), pause);
            scheduleRetry();
        }
    }

    /** Forwards the record's event, tombstone or dead letter; throws a retryable {@link KembedException} if it cannot be decoded now. */
    private void decodeAndForward(ParkedRecord r) {
        // the source headers travel with the record, bounded: the embed processor keeps them with the
        // document, and a dead letter, here or later, carries them
        Headers headers = SourceHeaders.bounded(new RecordHeaders(r.headers()));
        if (r.cutFromBytes() != null) {
            metrics.deadLetter("record-too-large");
            ctx.forward(new Record<String, Decoded>(null, new DeadLetter(r.key(), r.value(), "record-too-large", "the record was parked while the "
                    + "schema registry was unavailable, and its " + r.cutFromBytes() + " bytes are more than the parked-records changelog takes ("
                    + limits.parkedChangelogMaxBytes() + "); it was kept cut", r.source()), r.timestamp(), headers), Names.DEAD_LETTERS);
            return;
        }
        try {
            String key = r.key() == null ? null : DocumentDecoder.utf8(r.key());
            if (r.value() == null) {
                DocumentDecoder.checkKey(key); // a tombstone names the document it deletes by the same rule
                ctx.forward(new Record<String, Decoded>(key, null, r.timestamp(), headers), Names.EMBED);
                return;
            }
            DocumentEvent event = decoder.decode(key, r.value()).from(r.source());
            ctx.forward(new Record<String, Decoded>(key, event, r.timestamp(), headers), Names.EMBED);
        } catch (KembedException e) {
            if (!e.badInput()) {
                throw e;
            }
            metrics.deadLetter(e.reason());
            ctx.forward(new Record<String, Decoded>(null, new DeadLetter(r.key(), r.value(), e.reason(), e.getMessage(), r.source()),
                    r.timestamp(), headers), Names.DEAD_LETTERS);
        }
    }

    /** A failed decode: rethrown unless retryable; else counted and the next attempt pushed back. Returns the pause. */
    private long retryLater(KembedException e, long nowMs) {
        if (!e.retryable()) {
            throw e;
        }
        metrics.registryRetry();
        return backoff.failed(nowMs);
    }

    private void park(ParkedRecord r) {
        ParkedRecord stored = bounded(r);
        parked.put(String.format("%019d", nextSeq++), stored); // zero-padded: the store's byte order is the arrival order
        parkedCount++;
        countBytes(sizeOf(stored));
        metrics.parked(1);
    }

    /** What a parked record holds in the store (and its changelog): what the intake bound counts. */
    private static long sizeOf(ParkedRecord r) {
        return (r.key() == null ? 0 : r.key().length) + (r.value() == null ? 0 : r.value().length);
    }

    private void countBytes(long delta) {
        parkedBytes += delta;
        intake.addParkedBytes(delta);
    }

    /**
     * {@code r}, or {@code r} cut when its changelog record would be larger than the changelog takes:
     * the input topic's limit counts compressed batches, so one record can be larger than it.
     */
    private ParkedRecord bounded(ParkedRecord r) {
        if (limits.parkedChangelogMaxBytes() <= 0) {
            return r;
        }
        long size = StateSerdes.PARKED_RECORD.serializer().serialize(null, r).length + RecordSizes.RECORD_OVERHEAD + 32L;
        if (size <= limits.parkedChangelogMaxBytes()) {
            return r;
        }
        LOG.warn("task {}: the record at {}-{}@{} is {} bytes parked, more than the changelog takes ({}); parked cut, it goes to the "
                + "dead-letter topic when replayed", ctx.taskId(), r.source().topic(), r.source().partition(), r.source().offset(), size,
                limits.parkedChangelogMaxBytes());
        return r.cut(size, limits.dlqMaxValueBytes());
    }

    private void scheduleRetry() {
        if (retry == null) {
            retry = ctx.schedule(RETRY_TICK, PunctuationType.WALL_CLOCK_TIME, this::replay);
        }
    }

    private void replay(long now) {
        if (!backoff.due(now)) {
            return;
        }
        List<KeyValue<String, ParkedRecord>> batch = new ArrayList<>();
        try (KeyValueIterator<String, ParkedRecord> it = parked.all()) {
            while (it.hasNext() && batch.size() < REPLAY_BATCH) {
                batch.add(it.next());
            }
        }
        for (KeyValue<String, ParkedRecord> next : batch) {
            try {
                decodeAndForward(next.value);
            } catch (KembedException e) {
                long pause = retryLater(e, now);
                LOG.warn("task {}: still {} ({} records parked); next attempt in {} ms", ctx.taskId(), e.getMessage(), parkedCount, pause);
                return;
            }
            parked.delete(next.key);
            parkedCount--;
            countBytes(-sizeOf(next.value));
            metrics.parked(-1);
        }
        backoff.succeeded();
        if (parkedCount == 0) {
            LOG.info("task {}: every parked record replayed", ctx.taskId());
            retry.cancel();
            retry = null;
        }
    }

    @Override
    public void close() {
        // the task's parked records stay in its store; the gauge and the bound count this process's
        metrics.parked(-parkedCount);
        countBytes(-parkedBytes);
        if (retry != null) {
            retry.cancel();
        }
        retry = null;
        parkedCount = 0;
        nextSeq = 0;
        ctx = null;
        parked = null;
    }
}
