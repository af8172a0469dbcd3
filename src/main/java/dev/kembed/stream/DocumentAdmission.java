package dev.kembed.stream;

import dev.kembed.embed.DocumentWindows;
import dev.kembed.engine.EngineWindow;
import dev.kembed.engine.WindowIdentity;
import dev.kembed.engine.WindowResult;
import dev.kembed.engine.WindowResultCache;
import dev.kembed.engine.queue.Completion;
import dev.kembed.engine.queue.WindowJob;
import dev.kembed.text.BadInputException;
import dev.kembed.text.Chunk;
import dev.kembed.text.ChunkContext;
import dev.kembed.text.WindowPlan;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Admits one document version: plans its windows (through the core, {@link DocumentWindows}),
 * supersedes an older version in flight, stores the version, its windows and chunks, and sends to
 * the backlog only the windows whose result is not known already (reuse: the document's own kept
 * results, then the process-wide {@link WindowResultCache}). Bad input goes to the dead letters.
 * The version's input is kept once, and its state carries the settings' {@link StateFingerprint},
 * so that a restart with other settings can {@link #readmit} it through the same planning.
 */
final class DocumentAdmission {
    private final PipelineSettings settings;
    private final WindowPlan plan;
    private final DocumentStores stores;
    private final WindowBacklog backlog;
    private final WindowResultCache cache;
    private final PipelineMetrics metrics;
    private final ProcessorContext<String, Emitted> ctx;
    private final Consumer<String> dropPending;
    /** What produced the states this admission writes ({@link StateFingerprint#of}). */
    private final String fingerprint;

    /** @param dropPending drops a document's pending windows, queued work and chunks in flight (a superseded version's) */
    DocumentAdmission(PipelineSettings settings, WindowPlan plan, DocumentStores stores, WindowBacklog backlog, WindowResultCache cache,
            PipelineMetrics metrics, ProcessorContext<String, Emitted> ctx, Consumer<String> dropPending) {
        this.settings = settings;
        this.plan = plan;
        this.stores = stores;
        this.backlog = backlog;
        this.cache = cache;
        this.metrics = metrics;
        this.ctx = ctx;
        this.dropPending = dropPending;
        this.fingerprint = StateFingerprint.of(plan, settings.chunks());
    }

    /**
     * Stores the version and backlogs its windows; returns the windows whose result was reused, to
     * be applied once every window is pending (the last one applied emits).
     */
    List<Completion> admit(Record<String, Decoded> record, DocumentEvent event) {
        String id = record.key();
        SourceRecord meta = event.source();
        DocumentInput input = DocumentInput.of(event);
        Plan planned;
        try {
            planned = plan(input);
        } catch (BadInputException e) {
            deadLetter(record, event, e);
            return List.of();
        }
        DocState previous = stores.docs.get(id);
        if (previous != null) {
            // a newer version: the older one's windows and partial sums go, and it is never emitted
            dropPending.accept(id);
            metrics.superseded();
        }
        stores.putInput(id, input, settings.limits().inputChangelogMaxBytes()); // once per version: the state is rewritten per window, the input never
        Long timestamp = event.timestamp() != null ? event.timestamp() : Long.valueOf(record.timestamp());
        DocState.Origin origin = new DocState.Origin(meta.offset(), event.version(), timestamp, event.metadata(), meta.topic(), meta.partition(),
                record.timestamp(), record.headers().toArray());
        return store(id, origin, planned, previous);
    }

    /**
     * Plans a version in flight again from its input with this pipeline's settings (a restart
     * changed them): its pending windows, queued work, chunks in flight and kept results go; it
     * keeps its generation, version, timestamp, metadata, source and headers, with a fresh sum.
     * Throws (having changed nothing) when the input is no longer acceptable under these settings.
     */
    List<Completion> readmit(String id, DocState old, DocumentInput input) throws BadInputException {
        Plan planned = plan(input);
        dropPending.accept(id);
        stores.deleteVersionResults(id, old.generation()); // the same keys will hold the new plan's windows
        return store(id, old.origin(), planned, old);
    }

    /** The fingerprint this pipeline's states carry. */
    String fingerprint() {
        return fingerprint;
    }

    /** A version's windows and chunks as this pipeline cuts them. */
    private record Plan(WindowPlan.Planned planned, List<Chunk> chunks, List<PendingWindow> windows) {}

    private Plan plan(DocumentInput input) throws BadInputException {
        long t0 = System.nanoTime();
        WindowPlan.Planned planned = input.text() != null ? plan.cut(input.text()) : plan.cut(input.inputIds());
        metrics.tokenizeNanos(System.nanoTime() - t0);
        ChunkOutput chunking = settings.chunks();
        List<Chunk> chunks = chunking == null ? List.of() : DocumentWindows.chunksOf(chunking.chunker(), planned);
        if (chunking != null && chunking.withText()) {
            checkChunkText(chunks);
        }
        ChunkContext context = chunking == null ? null : chunking.context();
        DocumentWindows windows = DocumentWindows.of(plan, planned, input.inputIds(), chunks, context);
        List<PendingWindow> all = new ArrayList<>(windows.windows().size());
        for (DocumentWindows.Window w : windows.windows()) {
            all.add(PendingWindow.of(w, plan.globalCls()));
        }
        return new Plan(planned, chunks, all);
    }

    /** Stores the planned version (state with a fresh sum, chunks in flight, pending windows) and backlogs what is not known. */
    private List<Completion> store(String id, DocState.Origin origin, Plan p, DocState previous) {
        ChunkOutput chunking = settings.chunks();
        List<PendingWindow> all = p.windows();
        DocState state = DocState.planned(origin, all.size(), all.size() - p.planned().windows().size(), p.planned().tokens(),
                plan.engine().dimension(), fingerprint);
        stores.putDoc(id, state, previous);
        for (Chunk c : p.chunks()) {
            stores.putChunk(id, origin.generation(),
                    chunking.withText() ? c : new Chunk(c.index(), c.tokenStart(), c.tokenEnd(), c.charStart(), c.charEnd(), null));
        }
        return backlogUnknown(id, origin.generation(), origin.sourcePartition(), all);
    }

    /** The record's dead letter (its headers are the source record's, bounded by the decoder). */
    private void deadLetter(Record<String, Decoded> record, DocumentEvent event, BadInputException e) {
        metrics.deadLetter(e.reason());
        byte[] value = event.text() == null ? null : event.text().getBytes(StandardCharsets.UTF_8);
        ctx.forward(record.withValue((Emitted) new DeadLetter(DeadLetterProcessor.bytes(record.key()), value, e.reason(), e.getMessage(),
                event.source())), Names.DEAD_LETTERS);
    }

    /**
     * A chunk's text is copied into its record; a chunk of few tokens can still span a long text (a
     * tokenizer that drops a long run of characters), so its size is bounded like the metadata.
     */
    private void checkChunkText(List<Chunk> chunks) {
        int max = settings.limits().chunkTextMaxBytes();
        for (Chunk c : chunks) {
            long bytes = c.text() == null ? 0 : RecordLimits.utf8Length(c.text());
            if (bytes > max) {
                throw new BadInputException("chunk-too-large", "chunk " + c.index() + " spans " + bytes + " bytes of text; kembed.chunk.text.max.bytes is "
                        + max + " (a chunk record carries its text)");
            }
        }
    }

    /** Stores every window pending; backlogs those whose result is not known, returns the others as completions. */
    private List<Completion> backlogUnknown(String id, long generation, int partition, List<PendingWindow> all) {
        Map<String, StoredResult> previous = settings.reuseWindows() ? stores.storedResults(id) : Map.of();
        List<Completion> reused = new ArrayList<>();
        for (PendingWindow pw : all) {
            String key = DocumentStores.pendingKey(id, generation, pw.index());
            stores.pending.put(key, pw);
            EngineWindow ew = pw.toEngineWindow();
            WindowJob job = new WindowJob(id, generation, pw.index(), ew, partition);
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
                backlog.add(key, id, generation, partition);
            }
        }
        return reused;
    }
}
