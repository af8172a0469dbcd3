package dev.kembed.stream;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kembed.avro.DocumentEmbedding;
import dev.kembed.embed.DocumentWindows;
import dev.kembed.engine.WindowIdentity;
import dev.kembed.engine.WindowResult;
import dev.kembed.engine.WindowResultCache;
import dev.kembed.engine.queue.Completion;
import dev.kembed.engine.queue.WindowJob;
import dev.kembed.text.DocumentPooler;
import dev.kembed.text.WindowPlan;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Consumer;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Applies one finished window to its document: adds its result to the running document vector
 * (through the core, {@link DocumentWindows}), keeps the result for reuse and chunk pooling, and
 * when it was the last window emits the document record and its chunks. A window the engine gave
 * up on sends the document to the dead letters. Results of superseded or deleted versions, and
 * duplicates of a resubmitted window, are ignored.
 */
final class WindowCompletion {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The dead-letter reason of a version that cannot be finished or recomputed under the settings it was restarted with. */
    static final String SETTINGS_CHANGED = "settings-changed";

    private final PipelineSettings settings;
    private final WindowPlan plan;
    private final DocumentStores stores;
    private final ChunkEmitter chunks;
    private final OutputRecords records;
    private final WindowResultCache cache;
    private final PipelineMetrics metrics;
    private final ProcessorContext<String, Emitted> ctx;
    private final Consumer<String> dropPending;

    /**
     * @param chunks      null without a chunks topic
     * @param dropPending drops a document's pending windows, queued work and chunks in flight (a failed document's)
     */
    WindowCompletion(PipelineSettings settings, WindowPlan plan, DocumentStores stores, ChunkEmitter chunks, OutputRecords records,
            WindowResultCache cache, PipelineMetrics metrics, ProcessorContext<String, Emitted> ctx, Consumer<String> dropPending) {
        this.settings = settings;
        this.plan = plan;
        this.stores = stores;
        this.chunks = chunks;
        this.records = records;
        this.cache = cache;
        this.metrics = metrics;
        this.ctx = ctx;
        this.dropPending = dropPending;
    }

    void apply(Completion c) {
        WindowJob job = c.job();
        DocState state = stores.docs.get(job.docId());
        if (state == null || state.generation() != job.generation()) {
            return; // superseded or deleted meanwhile
        }
        String key = DocumentStores.pendingKey(job.docId(), job.generation(), job.windowIndex());
        PendingWindow w = stores.pending.get(key);
        if (w == null) {
            return; // already applied (a resubmitted duplicate)
        }
        if (c.failed()) {
            failDocument(job.docId(), state, c.reason(), c.error());
            return;
        }
        String mismatch = dimensionMismatch(state, c.result());
        if (mismatch != null) {
            failDocument(job.docId(), state, SETTINGS_CHANGED, mismatch);
            return;
        }
        DocumentPooler pooler = plan.resumePooler(state.acc(), state.weight());
        DocumentWindows.poolDocument(pooler, w.toWindow(), c.result());
        DocState next = state.withResult(pooler.accumulated(), pooler.weight());
        stores.pending.delete(key);
        if (settings.reuseWindows() || settings.chunks() != null) { // chunk vectors are pooled from the version's kept results
            String identity = WindowIdentity.of(plan.engine(), w.toEngineWindow());
            stores.results.put(key, StoredResult.of(identity, c.result(), w));
            if (settings.reuseWindows()) {
                cache.put(identity, c.result());
            }
        }
        if (!next.complete()) {
            stores.putDoc(job.docId(), next, state);
            return;
        }
        emit(job.docId(), job.generation(), state, next, pooler);
    }

    /**
     * Null when the result can be pooled into the state's sum, else why not. A state is recomputed
     * from its input when the settings changed ({@link EmbedProcessor#init}), so this cannot happen;
     * it is the net that turns what would be an ArrayIndexOutOfBounds in the stream thread (replaced,
     * then the process exits, again after every restart) or a sum cut short into a dead letter.
     */
    private String dimensionMismatch(DocState state, WindowResult r) {
        int dim = plan.engine().dimension();
        if (state.acc().length == dim && r.sum().length == dim && r.cls().length == dim) {
            return null;
        }
        return "a window result of dimension " + r.sum().length + " cannot be pooled into a document sum of dimension " + state.acc().length
                + " (the model has " + dim + "): the settings changed under this version; replay it from its source offset";
    }

    /** The document's last window is in: its record, then its chunks, in one forward sequence (one transaction). */
    private void emit(String id, long generation, DocState state, DocState next, DocumentPooler pooler) {
        stores.deleteDoc(id, state);
        List<ChunkEmitter.ChunkRecord> pooledChunks;
        try {
            pooledChunks = chunks == null ? List.of() : chunks.pooled(id, generation);
        } catch (IllegalStateException e) { // e.g. a restart changed kembed.chunk.context under a version in flight
            failDocument(id, state, "chunks-incomplete", e.getMessage());
            return;
        }
        float[] vector = pooler.result(plan.settings().normalize());
        DocumentEmbedding document = records.document(id, next, vector);
        List<Emitted.Chunk> chunkValues = chunks == null ? List.of() : chunks.values(id, next, pooledChunks);
        String tooLarge = tooLarge(id, document, chunkValues);
        if (tooLarge != null) {
            failDocument(id, state, "record-too-large", tooLarge);
            return;
        }
        long now = ctx.currentSystemTimeMs();
        ctx.forward(new Record<String, Emitted>(id, new Emitted.Document(document), now), Names.OUTPUT_SINK);
        if (chunks != null) {
            chunks.emit(id, pooledChunks, chunkValues, now);
        }
        // keep only the emitted version's results for reuse (none without reuse)
        stores.deleteResults(id, settings.reuseWindows() ? generation : -1);
        metrics.documentOut(next.receivedAt() == null ? -1 : now - next.receivedAt());
    }

    /**
     * Null when the version's records fit their topics, else why not. Bounded input and the start-up
     * check make this impossible; it is the net that turns a record the broker would refuse (a
     * failed send stops the stream thread, and exactly-once then reads the same input again) into
     * a dead letter. A record is counted as its Avro value plus the wire and Kafka overheads.
     */
    private String tooLarge(String id, DocumentEmbedding document, List<Emitted.Chunk> chunkValues) {
        RecordLimits limits = settings.limits();
        if (limits.outputMaxBytes() > 0) {
            long size = RecordSizes.record(id, RecordSizes.avroBytes(document), 0);
            if (size > limits.outputMaxBytes()) {
                return "the document record has " + size + " bytes; " + settings.outputTopic() + " takes " + limits.outputMaxBytes()
                        + " (max.message.bytes)";
            }
        }
        if (limits.chunksMaxBytes() > 0) {
            for (Emitted.Chunk c : chunkValues) {
                long size = RecordSizes.record(c.record().getChunkId(), RecordSizes.avroBytes(c.record()), 0);
                if (size > limits.chunksMaxBytes()) {
                    return "chunk record " + c.record().getChunkId() + " has " + size + " bytes; " + settings.chunks().topic() + " takes "
                            + limits.chunksMaxBytes() + " (max.message.bytes)";
                }
            }
        }
        return null;
    }

    /**
     * The engine gave up on one of the document's windows (or its records cannot be written, or it
     * cannot be finished under changed settings): the document goes to the DLQ, its other windows
     * are dropped. The dead letter names the source topic, partition and offset, for a replay.
     */
    void failDocument(String id, DocState state, String reason, String error) {
        dropPending.accept(id);
        stores.deleteDoc(id, state);
        metrics.deadLetter(reason);
        String body = JSON.createObjectNode().put("id", id).put("source_topic", state.sourceTopic())
                .put("source_partition", state.sourcePartition()).put("source_offset", state.sourceOffset()).toString();
        ctx.forward(new Record<String, Emitted>(id, new DeadLetter(DeadLetterProcessor.bytes(id), body.getBytes(StandardCharsets.UTF_8),
                reason, error, new SourceRecord(state.sourceTopic(), state.sourcePartition(), state.sourceOffset())), ctx.currentSystemTimeMs(),
                new RecordHeaders(state.sourceHeaders())), Names.DEAD_LETTERS); // the document's own source headers, kept with its state
    }
}
