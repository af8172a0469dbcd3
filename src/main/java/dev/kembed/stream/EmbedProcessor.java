package dev.kembed.stream;

import dev.kembed.engine.WindowResultCache;
import dev.kembed.engine.queue.Completion;
import dev.kembed.engine.queue.EngineWorkers;
import dev.kembed.engine.queue.TaskHandle;
import dev.kembed.engine.queue.WaitBudget;
import dev.kembed.text.WindowPlan;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.processor.Cancellable;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Windows each document into the pending-window store and the shared engine queue; applies the
 * task's completed windows (in {@code process()} and in a wall-clock punctuator, so output flows
 * with idle input) to the document's running sum; emits one record when its last window is done.
 * A newer event for the same id supersedes the older version; a tombstone deletes and forwards.
 * At {@code init} every pending window in the store is resubmitted, so a restarted or migrated
 * task loses nothing; results already applied are gone from the store, so nothing is doubled.
 * Windows reach the engine queue through the task's backlog, within the stream thread's
 * {@link AdmissionBudget} (one {@code kembed.queue.max.block.ms} per poll, across all its tasks;
 * punctuations never wait), so the stream thread is never fenced.
 *
 * <p>Reuse: each window's result is kept in the window-results store under its
 * {@link WindowIdentity}, for the document's last emitted version (older versions' results are
 * pruned at the next emit, all of them at a tombstone). A new version takes the result of every
 * window whose identity it finds there, or in the process-wide {@link WindowResultCache}, and sends
 * only the others to the engine. An identity fixes the result, so a reused window is exactly what
 * the engine would compute; the store is changelogged, so this survives restarts.
 *
 * <p>The processor is where records arrive; the jobs are its collaborators: {@link DocumentStores}
 * (the five stores and their keys), {@link DocumentAdmission} (planning, supersession, reuse
 * lookup), {@link WindowBacklog} (windows waiting for queue space), {@link WindowCompletion}
 * (pooling and the document record) and {@link ChunkEmitter} (chunk records and retractions).
 */
final class EmbedProcessor implements Processor<String, Decoded, String, Emitted> {
    private final PipelineSettings settings;
    private final WindowPlan plan;
    private final EngineWorkers queue;
    private final OutputRecords records;
    private final PipelineMetrics metrics;
    private final AdmissionBudget budget;
    private final WindowResultCache cache;
    private final IntakeBound intake;

    // Everything below belongs to one life of the task: Kafka Streams revives a corrupted task by
    // calling close() and then init() again on this same object, so init() builds all of it anew
    // and close() lets go of all of it (queued work, in-flight token count, punctuator).
    private ProcessorContext<String, Emitted> ctx;
    private Cancellable drain;
    private DocumentStores stores;
    private TaskHandle handle;
    private WindowBacklog backlog;
    private DocumentAdmission admission;
    private WindowCompletion completion;
    /** Null without a chunks topic. */
    private ChunkEmitter chunks;

    EmbedProcessor(PipelineSettings settings, WindowPlan plan, EngineWorkers queue, AdmissionBudget budget, OutputRecords records,
            PipelineMetrics metrics, WindowResultCache cache, IntakeBound intake) {
        this.settings = settings;
        this.intake = intake;
        this.budget = budget;
        this.cache = cache;
        this.plan = plan;
        this.queue = queue;
        this.records = records;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<String, Emitted> context) {
        close(); // a revived task may come back without a close() first: nothing of its last life may remain
        this.ctx = context;
        this.stores = new DocumentStores(context, settings.chunks() != null, intake);
        this.handle = queue.register(context.taskId().toString());
        this.backlog = new WindowBacklog(queue, handle, stores.pending);
        this.chunks = settings.chunks() == null ? null : new ChunkEmitter(settings.chunks(), plan, stores, records, metrics, context);
        this.admission = new DocumentAdmission(settings, plan, stores, backlog, cache, metrics, context, this::dropPending);
        this.completion = new WindowCompletion(settings, plan, stores, chunks, records, cache, metrics, context, this::dropPending);
        resubmitPending();
        backlog.submit(budget.current());
        drain = context.schedule(Duration.ofMillis(settings.drainIntervalMs()), PunctuationType.WALL_CLOCK_TIME, ts -> {
            applyCompletions();
            backlog.submit(WaitBudget.none()); // a punctuation never waits: what fits now goes, the rest next time
        });
    }

    /**
     * One record, within what is left of the thread's wait budget for this poll
     * ({@code kembed.queue.max.block.ms}, at most half of {@code max.poll.interval.ms}) however many
     * windows it has: windows that do not fit the queue in that time stay pending and go later.
     * Earlier backlog goes first, so a full queue still slows intake (backpressure) while the
     * stream thread can never be fenced.
     */
    @Override
    public void process(Record<String, Decoded> record) {
        long t0 = System.nanoTime();
        WaitBudget left = budget.current();
        applyCompletions();
        backlog.submit(left);
        if (record.value() == null) {
            tombstone(record);
        } else {
            // decode sends dead letters elsewhere; reused results are applied after every window is pending: the last one applied emits
            admission.admit(record, (DocumentEvent) record.value()).forEach(completion::apply);
        }
        backlog.submit(left);
        metrics.processNanos(System.nanoTime() - t0);
    }

    /** Windows of this task waiting for queue space (tests, metrics). */
    int backlogSize() {
        return backlog.size();
    }

    private void tombstone(Record<String, Decoded> record) {
        DocState old = stores.docs.get(record.key());
        if (old != null) {
            dropPending(record.key());
            stores.deleteDoc(record.key(), old);
        }
        stores.deleteResults(record.key(), -1); // a deleted document's results go too
        metrics.tombstone();
        // the source headers came along for dead letters; output records carry none
        ctx.forward(record.withValue((Emitted) null).withHeaders(new RecordHeaders()), Names.OUTPUT_SINK);
        if (chunks != null) {
            chunks.delete(record.key(), record.timestamp());
        }
    }

    private void applyCompletions() {
        for (Completion c : queue.drain(handle)) {
            completion.apply(c);
        }
    }

    /** Deletes every pending window of a document, whatever its generation, and its queued work. */
    private void dropPending(String id) {
        backlog.drop(id);
        stores.deletePending(id);
    }

    /** Every pending window of a version still current goes back to the backlog (submitted within the call's wait budget); the others go. */
    private void resubmitPending() {
        List<String> stale = new ArrayList<>();
        for (String key : stores.pendingKeys()) {
            DocumentStores.Version v = DocumentStores.Version.ofKey(key);
            DocState s = stores.docs.get(v.id());
            if (s == null || s.generation() != v.generation()) {
                stale.add(key);
                continue;
            }
            backlog.add(key, v.id(), v.generation(), s.sourcePartition());
        }
        stale.forEach(stores.pending::delete);
    }

    static String pendingKey(String id, long generation, int index) {
        return DocumentStores.pendingKey(id, generation, index);
    }

    @Override
    public void close() {
        if (drain != null) {
            drain.cancel();
        }
        if (handle != null) {
            queue.abandon(handle);
        }
        if (stores != null) {
            stores.release();
        }
        drain = null;
        handle = null;
        stores = null;
        backlog = null;
        admission = null;
        completion = null;
        chunks = null;
        ctx = null;
    }
}
