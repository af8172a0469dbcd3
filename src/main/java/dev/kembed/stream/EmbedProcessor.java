package dev.kembed.stream;

import dev.kembed.engine.WindowResultCache;
import dev.kembed.engine.queue.Completion;
import dev.kembed.engine.queue.EngineWorkers;
import dev.kembed.engine.queue.TaskHandle;
import dev.kembed.engine.queue.WaitBudget;
import dev.kembed.text.WindowPlan;
import java.time.Duration;
import dev.kembed.text.BadInputException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
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
 * Before that, a document that other settings began (another model, precision, prompt, pooling,
 * windows or chunk settings: its state's {@link StateFingerprint}) is planned again from its
 * stored input, so a restart with changed settings never mixes them in one vector.
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
 * (the six stores and their keys), {@link DocumentAdmission} (planning, supersession, reuse
 * lookup), {@link WindowBacklog} (windows waiting for queue space), {@link WindowCompletion}
 * (pooling and the document record) and {@link ChunkEmitter} (chunk records and retractions).
 */
final class EmbedProcessor implements Processor<String, Decoded, String, Emitted> {
    private static final Logger LOG = LoggerFactory.getLogger(EmbedProcessor.class);
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
    /** What init found to do that forwards (reused results of a recomputed document, dead letters): done at the first drain. */
    private final List<Runnable> deferred = new ArrayList<>();

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
        Set<String> replanned = recomputeChangedSettings(); // before the resubmit: their old windows must not reach the engine
        resubmitPending(replanned);
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
        List<Runnable> fromInit = new ArrayList<>(deferred);
        deferred.clear();
        fromInit.forEach(Runnable::run);
        for (Completion c : queue.drain(handle)) {
            completion.apply(c);
        }
    }

    /** Deletes every pending window of a document, whatever its generation, and its queued work. */
    private void dropPending(String id) {
        backlog.drop(id);
        stores.deletePending(id);
    }

    /**
     * Every document in flight that other settings began (its state's fingerprint is not this
     * pipeline's) is planned again from its stored input, keeping its generation, version and
     * source: never a sum half old, half new, never a result of another dimension in its sum. A
     * state from before fingerprints were kept has no input: it resumes as before when its sum
     * has the model's dimension, else it goes to the dead letters ({@code settings-changed}, with
     * its source offset for a replay), as does a fingerprinted one whose input is missing.
     * Reused results and dead letters wait for the first drain (nothing is forwarded from init).
     *
     * @return the documents handled here, whose pending windows are not resubmitted
     */
    private Set<String> recomputeChangedSettings() {
        String now = admission.fingerprint();
        List<KeyValue<String, DocState>> changed = new ArrayList<>();
        try (KeyValueIterator<String, DocState> it = stores.docs.all()) {
            while (it.hasNext()) {
                KeyValue<String, DocState> kv = it.next();
                if (!now.equals(kv.value.fingerprint())) {
                    changed.add(kv);
                }
            }
        }
        Set<String> handled = new HashSet<>();
        Map<String, Integer> recomputedFrom = new TreeMap<>();
        int failed = 0;
        int dimension = plan.engine().dimension();
        for (KeyValue<String, DocState> kv : changed) {
            String id = kv.key;
            DocState s = kv.value;
            if (s.fingerprint() == null && s.acc().length == dimension) {
                continue; // written before fingerprints: nothing to recompute from, and its sum fits: resumed as before
            }
            handled.add(id);
            DocumentInput input = s.fingerprint() == null ? null : stores.inputs.get(id);
            if (input == null) {
                failed++;
                String why = s.fingerprint() == null
                        ? "the version was begun by an earlier kembed with a sum of dimension " + s.acc().length + " and the model now gives "
                                + dimension + "; its input was not kept, so it cannot be recomputed: replay it from its source offset"
                        : "the settings changed under the version (" + s.fingerprint() + " -> " + now + ") and its input was not kept"
                                + " (larger than its changelog takes): replay it from its source offset";
                deferred.add(() -> completion.failDocument(id, s, WindowCompletion.SETTINGS_CHANGED, why));
                continue;
            }
            try {
                List<Completion> reused = admission.readmit(id, s, input);
                deferred.add(() -> reused.forEach(completion::apply)); // the last one applied emits
                metrics.recomputed();
                recomputedFrom.merge(s.fingerprint(), 1, Integer::sum);
            } catch (BadInputException e) { // e.g. chunk text now kept and too large: the input as these settings judge it
                failed++;
                deferred.add(() -> completion.failDocument(id, s, e.reason(), e.getMessage()));
            }
        }
        if (!handled.isEmpty()) {
            LOG.info("task {}: the settings changed (state fingerprint now {}): {} document(s) in flight recomputed from their input (begun under {}),"
                    + " {} dead-lettered; what was already emitted stays", ctx.taskId(), now, handled.size() - failed, recomputedFrom, failed);
        }
        return handled;
    }

    /** Every pending window of a version still current goes back to the backlog (submitted within the call's wait budget); the others go. */
    private void resubmitPending(Set<String> skip) {
        List<String> stale = new ArrayList<>();
        for (String key : stores.pendingKeys()) {
            DocumentStores.Version v = DocumentStores.Version.ofKey(key);
            if (skip.contains(v.id())) {
                continue; // planned again (its windows are in the backlog already) or about to be dead-lettered
            }
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
        deferred.clear();
    }
}
