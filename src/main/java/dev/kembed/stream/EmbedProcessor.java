package dev.kembed.stream;

import dev.kembed.engine.queue.Completion;
import dev.kembed.engine.EngineWindow;
import dev.kembed.engine.WindowIdentity;
import dev.kembed.engine.WindowResult;
import dev.kembed.engine.WindowResultCache;
import dev.kembed.engine.queue.EngineWorkers;
import dev.kembed.engine.queue.TaskHandle;
import dev.kembed.engine.queue.WaitBudget;
import dev.kembed.engine.queue.WindowJob;
import dev.kembed.text.BadInputException;
import dev.kembed.text.Chunk;
import dev.kembed.text.ChunkPooler;
import dev.kembed.text.Chunker;
import dev.kembed.text.LateChunks;
import dev.kembed.text.DocumentPooler;
import dev.kembed.text.TextWindow;
import dev.kembed.text.WindowPlan;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

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
 */
final class EmbedProcessor implements Processor<String, Decoded, String, Emitted> {
    private static final char SEP = '\u0000';
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    private final PipelineSettings settings;
    private final WindowPlan plan;
    private final EngineWorkers queue;
    private final OutputRecords records;
    private final PipelineMetrics metrics;
    private final AdmissionBudget budget;

    private ProcessorContext<String, Emitted> ctx;
    private KeyValueStore<String, DocState> docs;
    private KeyValueStore<String, PendingWindow> pending;
    private KeyValueStore<String, StoredResult> results;
    /** With a chunks topic: chunks of versions in flight, by version and index. */
    private KeyValueStore<String, Chunk> pendingChunks;
    /** With a chunks topic: how many chunks the last emitted version of each document has (what the next one retracts). */
    private KeyValueStore<String, Integer> chunkCounts;
    private TaskHandle handle;
    private final WindowResultCache cache;
    /**
     * Pending windows not yet in the engine queue, in admission order: where to find each (the
     * windows themselves stay in the pending store). Filled at admission and at init, drained as
     * the queue has space; {@link #dropPending} removes a superseded or deleted document's.
     */
    private final ArrayDeque<Backlogged> backlog = new ArrayDeque<>();

    /** A pending window's store key and the job fields the store value does not hold. */
    private record Backlogged(String key, String docId, long generation, int partition) {}

    EmbedProcessor(PipelineSettings settings, WindowPlan plan, EngineWorkers queue, AdmissionBudget budget, OutputRecords records,
            PipelineMetrics metrics, WindowResultCache cache) {
        this.settings = settings;
        this.budget = budget;
        this.cache = cache;
        this.plan = plan;
        this.queue = queue;
        this.records = records;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<String, Emitted> context) {
        this.ctx = context;
        this.docs = context.getStateStore(Names.DOCUMENT_STORE);
        this.pending = context.getStateStore(Names.PENDING_STORE);
        this.results = context.getStateStore(Names.RESULT_STORE);
        if (settings.chunks() != null) {
            this.pendingChunks = context.getStateStore(Names.PENDING_CHUNK_STORE);
            this.chunkCounts = context.getStateStore(Names.CHUNK_COUNT_STORE);
        }
        this.handle = queue.register(context.taskId().toString());
        resubmitPending();
        submitBacklog(budget.current());
        context.schedule(Duration.ofMillis(settings.drainIntervalMs()), PunctuationType.WALL_CLOCK_TIME, ts -> {
            applyCompletions();
            submitBacklog(WaitBudget.none()); // a punctuation never waits: what fits now goes, the rest next time
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
        submitBacklog(left);
        if (record.value() == null) {
            tombstone(record);
        } else {
            admit(record, (DocumentEvent) record.value()); // decode sends dead letters elsewhere
        }
        submitBacklog(left);
        metrics.processNanos(System.nanoTime() - t0);
    }

    /** Offers backlog windows in order while they fit (waiting while {@code budget} lasts); stops at the first that does not. */
    private void submitBacklog(WaitBudget budget) {
        while (!backlog.isEmpty()) {
            Backlogged b = backlog.peekFirst();
            PendingWindow w = pending.get(b.key());
            if (w != null) {
                WindowJob job = new WindowJob(b.docId(), b.generation(), w.index(), w.toEngineWindow(), b.partition());
                if (!queue.offer(handle, job, budget)) {
                    return;
                }
            }
            backlog.pollFirst(); // submitted, or gone from the store meanwhile
        }
    }

    /** Windows of this task waiting for queue space (tests, metrics). */
    int backlogSize() {
        return backlog.size();
    }

    private void tombstone(Record<String, Decoded> record) {
        DocState old = docs.get(record.key());
        if (old != null) {
            dropPending(record.key());
            docs.delete(record.key());
        }
        deleteResults(record.key(), -1); // a deleted document's results go too
        metrics.tombstone();
        ctx.forward(record.withValue((Emitted) null), Names.OUTPUT_SINK);
        if (chunkCounts != null) {
            retractChunks(record.key(), 0, record.timestamp());
            chunkCounts.delete(record.key());
        }
    }

    /** Tombstones for the document's emitted chunk keys from index {@code from} on. */
    private void retractChunks(String id, int from, long timestamp) {
        Integer emitted = chunkCounts.get(id);
        for (int i = from; emitted != null && i < emitted; i++) {
            ctx.forward(new Record<String, Emitted>(Chunk.key(id, i), null, timestamp), Names.CHUNKS_SINK);
        }
    }

    private void admit(Record<String, Decoded> record, DocumentEvent event) {
        String id = record.key();
        SourceRecord meta = event.source();
        WindowPlan.Planned planned;
        try {
            long t0 = System.nanoTime();
            planned = event.text() != null ? plan.cut(event.text()) : plan.cut(event.inputIds());
            metrics.tokenizeNanos(System.nanoTime() - t0);
        } catch (BadInputException e) {
            metrics.deadLetter(e.reason());
            byte[] value = event.text() == null ? null : event.text().getBytes(StandardCharsets.UTF_8);
            ctx.forward(record.withValue((Emitted) new DeadLetter(DeadLetterProcessor.bytes(id), value, e.reason(), e.getMessage(), meta)),
                    Names.DEAD_LETTERS);
            return;
        }
        List<TextWindow> windows = planned.windows();
        ChunkOutput chunking = settings.chunks();
        List<Chunk> chunks = chunking == null ? List.of() : chunksOf(chunking, planned);
        LateChunks late = chunking != null && chunking.late() ? LateChunks.of(windows, chunks) : null;
        boolean globalCls = plan.globalCls();
        List<PendingWindow> all = new ArrayList<>(windows.size());
        for (int k = 0; k < windows.size(); k++) {
            TextWindow w = windows.get(k);
            all.add(new PendingWindow(w.index(), w.ids(), plan.enginePoolMask(w), globalCls, w.charStart(), w.charEnd(), w.ownedTokens(),
                    late == null ? null : late.slots(k), late == null ? -1 : late.firstChunk(k), -1));
        }
        if (chunking != null && late == null) { // each chunk also runs alone, as its own sequence after the document's windows
            for (Chunk c : chunks) {
                for (TextWindow w : aloneWindows(c, planned, event)) {
                    all.add(new PendingWindow(all.size(), w.ids(), plan.enginePoolMask(w), globalCls, -1, -1, w.ownedTokens(), null, -1, c.index()));
                }
            }
        }
        if (docs.get(id) != null) {
            // a newer version: the older one's windows and partial sums go, and it is never emitted
            dropPending(id);
            metrics.superseded();
        }
        long generation = meta.offset();
        Long timestamp = event.timestamp() != null ? event.timestamp() : Long.valueOf(record.timestamp());
        DocState state = new DocState(generation, event.version(), timestamp, event.metadata(), meta.topic(),
                meta.partition(), all.size(), 0, planned.tokens(), new double[plan.engine().dimension()], 0, record.timestamp(),
                all.size() - windows.size());
        docs.put(id, state);
        for (Chunk c : chunks) {
            pendingChunks.put(generationPrefix(id, generation) + String.format("%09d", c.index()),
                    chunking.withText() ? c : new Chunk(c.index(), c.tokenStart(), c.tokenEnd(), c.charStart(), c.charEnd(), null));
        }
        Map<String, StoredResult> previous = settings.reuseWindows() ? storedResults(id) : Map.of();
        List<Completion> reused = new ArrayList<>();
        for (PendingWindow pw : all) {
            pending.put(pendingKey(id, generation, pw.index()), pw);
            EngineWindow ew = pw.toEngineWindow();
            WindowJob job = new WindowJob(id, generation, pw.index(), ew, meta.partition());
            WindowResult known = null;
            if (settings.reuseWindows()) {
                String identity = WindowIdentity.of(plan.engine(), ew);
                StoredResult own = previous.get(identity);
                known = own != null ? own.result() : cache.get(identity);
                if (known != null) {
                    metrics.windowReused(own != null ? "document" : "cache", ew.length());
                }
            }
            if (known != null) {
                reused.add(new Completion(job, known, null, null));
            } else {
                metrics.windowComputed(ew.length());
                backlog.addLast(new Backlogged(pendingKey(id, generation, pw.index()), id, generation, meta.partition()));
            }
        }
        reused.forEach(this::apply); // after every window is pending: the last one applied emits
    }

    /** The document's retrieval chunks: cut at text boundaries, or one per window ({@code kembed.chunk.max.tokens=0}). */
    private static List<Chunk> chunksOf(ChunkOutput chunking, WindowPlan.Planned planned) {
        if (chunking.chunker().maxTokens() == 0) {
            return Chunker.ofWindows(planned.windows(), planned.doc());
        }
        return planned.doc() != null ? chunking.chunker().cut(planned.doc()) : chunking.chunker().cut(planned.tokens());
    }

    /**
     * The windows of a chunk run alone ({@code kembed.chunk.context=chunk}): its text tokenized on
     * its own, as {@code kembed embed} of that text would be; pre-tokenized input (or a chunk whose
     * text has no tokens of its own, all whitespace) runs its ids.
     */
    private List<TextWindow> aloneWindows(Chunk c, WindowPlan.Planned planned, DocumentEvent event) {
        if (c.text() != null) {
            try {
                return plan.cut(c.text()).windows();
            } catch (BadInputException e) {
                // falls through to the chunk's own ids
            }
        }
        int[] ids = planned.doc() != null ? planned.doc().ids() : event.inputIds();
        return plan.cut(java.util.Arrays.copyOfRange(ids, c.tokenStart(), c.tokenEnd())).windows();
    }

    /** Results kept for this document (any version), by identity. */
    private Map<String, StoredResult> storedResults(String id) {
        Map<String, StoredResult> byIdentity = new HashMap<>();
        try (KeyValueIterator<String, StoredResult> it = results.prefixScan(id + SEP, new StringSerializer())) {
            while (it.hasNext()) {
                StoredResult r = it.next().value;
                byIdentity.put(r.identity(), r);
            }
        }
        return byIdentity;
    }

    /** Deletes the document's kept results, all of them or (keep >= 0) all but generation {@code keep}'s. */
    private void deleteResults(String id, long keep) {
        List<String> keys = new ArrayList<>();
        String current = keep < 0 ? null : generationPrefix(id, keep);
        try (KeyValueIterator<String, StoredResult> it = results.prefixScan(id + SEP, new StringSerializer())) {
            while (it.hasNext()) {
                String k = it.next().key;
                if (current == null || !k.startsWith(current)) {
                    keys.add(k);
                }
            }
        }
        keys.forEach(results::delete);
    }

    private void applyCompletions() {
        for (Completion c : queue.drain(handle)) {
            apply(c);
        }
    }

    private void apply(Completion c) {
        WindowJob job = c.job();
        DocState state = docs.get(job.docId());
        if (state == null || state.generation() != job.generation()) {
            return; // superseded or deleted meanwhile
        }
        String key = pendingKey(job.docId(), job.generation(), job.windowIndex());
        PendingWindow w = pending.get(key);
        if (w == null) {
            return; // already applied (a resubmitted duplicate)
        }
        if (c.failed()) {
            failDocument(job.docId(), state, c.reason(), c.error());
            return;
        }
        DocumentPooler pooler = plan.resumePooler(state.acc(), state.weight());
        if (w.ofDocument()) {
            pooler.add(c.result().cls(), c.result().sum(), c.result().count(), w.ownedTokens());
        }
        DocState next = state.withResult(pooler.accumulated(), pooler.weight());
        pending.delete(key);
        if (settings.reuseWindows() || settings.chunks() != null) { // chunk vectors are pooled from the version's kept results
            String identity = WindowIdentity.of(plan.engine(), w.toEngineWindow());
            results.put(key, StoredResult.of(identity, c.result(), w));
            if (settings.reuseWindows()) {
                cache.put(identity, c.result());
            }
        }
        if (!next.complete()) {
            docs.put(job.docId(), next);
            return;
        }
        String id = job.docId();
        docs.delete(id);
        List<ChunkRecord> chunks;
        try {
            chunks = settings.chunks() == null ? List.of() : pooledChunks(id, job.generation());
        } catch (IllegalStateException e) { // e.g. a restart changed kembed.chunk.context under a version in flight
            failDocument(id, state, "chunks-incomplete", e.getMessage());
            return;
        }
        float[] vector = pooler.result(plan.settings().normalize());
        long now = ctx.currentSystemTimeMs();
        ctx.forward(new Record<String, Emitted>(id, new Emitted.Document(records.document(id, next, vector)), now), Names.OUTPUT_SINK);
        if (settings.chunks() != null) {
            emitChunks(id, next, chunks, now);
        }
        // keep only the emitted version's results for reuse (none without reuse)
        deleteResults(id, settings.reuseWindows() ? job.generation() : -1);
        metrics.documentOut(next.receivedAt() == null ? -1 : now - next.receivedAt());
    }

    /** A chunk of the version being emitted, with its vector and its pending-store key. */
    private record ChunkRecord(String storeKey, Chunk chunk, float[] vector) {}

    /** The version's chunks with their vectors, pooled from its windows' kept results. */
    private List<ChunkRecord> pooledChunks(String id, long generation) {
        String prefix = generationPrefix(id, generation);
        List<String> keys = new ArrayList<>();
        List<Chunk> chunks = new ArrayList<>();
        try (KeyValueIterator<String, Chunk> it = pendingChunks.prefixScan(prefix, new StringSerializer())) {
            while (it.hasNext()) { // in index order: the keys end in the zero-padded index
                KeyValue<String, Chunk> kv = it.next();
                keys.add(kv.key);
                chunks.add(kv.value);
            }
        }
        boolean late = settings.chunks().late();
        int dim = plan.engine().dimension();
        ChunkPooler pooler = late ? ChunkPooler.late(chunks, dim) : ChunkPooler.alone(chunks, plan.settings().pooling(), dim);
        try (KeyValueIterator<String, StoredResult> it = results.prefixScan(prefix, new StringSerializer())) {
            while (it.hasNext()) {
                StoredResult r = it.next().value;
                if (late && r.chunk() < 0) {
                    pooler.addSlots(r.firstChunk(), r.chunkSums(), r.chunkCounts());
                } else if (!late && r.chunk() >= 0) {
                    pooler.addWindow(r.chunk(), r.cls(), r.sum(), r.count(), r.ownedTokens());
                }
            }
        }
        List<float[]> vectors = pooler.vectors(plan.settings().normalize());
        List<ChunkRecord> out = new ArrayList<>(chunks.size());
        for (int i = 0; i < chunks.size(); i++) {
            out.add(new ChunkRecord(keys.get(i), chunks.get(i), vectors.get(i)));
        }
        return out;
    }

    /**
     * Every chunk of the version, then tombstones for the keys of the last emitted version that
     * this one no longer has: forwarded in the same call as the document record, so one
     * transaction holds them all.
     */
    private void emitChunks(String id, DocState state, List<ChunkRecord> chunks, long now) {
        ChunkOutput out = settings.chunks();
        for (ChunkRecord c : chunks) {
            Emitted.Chunk value = new Emitted.Chunk(records.chunk(id, state, c.chunk(), chunks.size(), c.vector(), out.context(), out.withText()));
            ctx.forward(new Record<String, Emitted>(Chunk.key(id, c.chunk().index()), value, now), Names.CHUNKS_SINK);
        }
        retractChunks(id, chunks.size(), now);
        chunkCounts.put(id, chunks.size());
        chunks.forEach(c -> pendingChunks.delete(c.storeKey()));
        metrics.chunksOut(chunks.size());
    }

    /** The engine gave up on one of the document's windows: the document goes to the DLQ, its other windows are dropped. */
    private void failDocument(String id, DocState state, String reason, String error) {
        dropPending(id);
        docs.delete(id);
        metrics.deadLetter(reason);
        String body = JSON.createObjectNode().put("id", id).put("source_topic", state.sourceTopic())
                .put("source_partition", state.sourcePartition()).put("source_offset", state.sourceOffset()).toString();
        ctx.forward(new Record<String, Emitted>(id, new DeadLetter(DeadLetterProcessor.bytes(id), body.getBytes(StandardCharsets.UTF_8),
                reason, error, new SourceRecord(state.sourceTopic(), state.sourcePartition(), state.sourceOffset())), ctx.currentSystemTimeMs()),
                Names.DEAD_LETTERS);
    }

    /** Deletes every pending window of a document, whatever its generation, and its queued work. */
    private void dropPending(String id) {
        queue.cancel(handle, id);
        backlog.removeIf(b -> b.docId().equals(id));
        List<String> keys = new ArrayList<>();
        try (KeyValueIterator<String, PendingWindow> it = pending.prefixScan(id + SEP, new StringSerializer())) {
            while (it.hasNext()) {
                keys.add(it.next().key);
            }
        }
        keys.forEach(pending::delete);
        if (pendingChunks != null) {
            List<String> chunkKeys = new ArrayList<>();
            try (KeyValueIterator<String, Chunk> it = pendingChunks.prefixScan(id + SEP, new StringSerializer())) {
                while (it.hasNext()) {
                    chunkKeys.add(it.next().key);
                }
            }
            chunkKeys.forEach(pendingChunks::delete);
        }
    }

    private void resubmitPending() {
        List<String> stale = new ArrayList<>();
        try (KeyValueIterator<String, PendingWindow> it = pending.all()) {
            while (it.hasNext()) {
                KeyValue<String, PendingWindow> kv = it.next();
                String[] parts = kv.key.split(String.valueOf(SEP));
                String id = parts[0];
                long generation = Long.parseLong(parts[1]);
                DocState s = docs.get(id);
                if (s == null || s.generation() != generation) {
                    stale.add(kv.key);
                    continue;
                }
                backlog.addLast(new Backlogged(kv.key, id, generation, s.sourcePartition())); // submitted within the call's wait budget
            }
        }
        stale.forEach(pending::delete);
    }

    static String pendingKey(String id, long generation, int index) {
        return generationPrefix(id, generation) + String.format("%09d", index);
    }

    /** Every key of one document version (pending windows, kept results) starts with this. */
    private static String generationPrefix(String id, long generation) {
        return id + SEP + String.format("%019d", generation) + SEP;
    }

    @Override
    public void close() {
        if (handle != null) {
            queue.abandon(handle);
        }
    }

}
