package dev.kembed.embed;

import dev.kembed.engine.BatchResult;
import dev.kembed.engine.EmbeddingEngine;
import dev.kembed.engine.EngineWindow;
import dev.kembed.engine.WindowBatch;
import dev.kembed.engine.WindowResult;
import dev.kembed.text.Chunk;
import dev.kembed.text.ChunkContext;
import dev.kembed.text.Chunker;
import dev.kembed.text.LateChunks;
import dev.kembed.text.WindowPlan;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The synchronous path from text to vector (plan, run, pool) used by {@code kembed embed} and the
 * HTTP routes: the reference the streaming topology's output is compared with. Windows become
 * vectors through the same core as the stream's ({@link DocumentWindows}) and run through an engine
 * queue, which alone batches them: one of this embedder's own ({@link InlineQueue}), or the shared
 * queue's priority lane.
 */
public final class DirectEmbedder {
    private final WindowPlan plan;
    private final Function<WindowBatch, BatchResult> engine;

    /**
     * Windows run on {@code engine} through an engine queue of this embedder's own ({@link InlineQueue}).
     *
     * @param batchTokens padded tokens per engine call (the queue's batch budget)
     */
    public DirectEmbedder(WindowPlan plan, EmbeddingEngine engine, int batchTokens) {
        this(plan, new InlineQueue(engine, batchTokens));
    }

    /**
     * @param engine runs the windows of a call on an engine queue, which batches them (an
     *               {@link InlineQueue}, or the shared queue's priority lane)
     */
    public DirectEmbedder(WindowPlan plan, Function<WindowBatch, BatchResult> engine) {
        this.plan = plan;
        this.engine = engine;
    }

    public WindowPlan plan() {
        return plan;
    }

    public DocumentVector embed(String text) {
        return embed(plan.cut(text), plan.settings().normalize());
    }

    /** The vector of a document already cut (from text or token ids), L2-normalized or not as asked. */
    public DocumentVector embed(WindowPlan.Planned doc, boolean normalize) {
        return embedAll(List.of(doc), normalize).get(0);
    }

    /**
     * The document vector and its late-chunk vectors: the windows run once, with each chunk's tokens
     * pooled in the graph ({@link LateChunks}); the engine needs the slots ({@link LateChunks#slotsPerWindow}).
     */
    public ChunkedDocument embedChunks(String text, Chunker chunker) {
        return embedChunks(text, chunker, ChunkContext.WINDOW);
    }

    /**
     * As {@link #embedChunks(String, Chunker)} for {@link ChunkContext#WINDOW}; for
     * {@link ChunkContext#CHUNK} each chunk's text is embedded alone, as {@link #embed} would.
     */
    public ChunkedDocument embedChunks(String text, Chunker chunker, ChunkContext context) {
        WindowPlan.Planned planned = plan.cut(text);
        List<Chunk> chunks = DocumentWindows.chunksOf(chunker, planned);
        DocumentWindows doc = DocumentWindows.of(plan, planned, null, chunks, context);
        DocumentWindows.Vectors v = doc.vectors(results(doc.engineWindows()), plan.settings().normalize());
        return new ChunkedDocument(new DocumentVector(v.document(), planned.tokens(), planned.windows()), chunks, v.chunks());
    }

    /** A document vector with its chunks and their vectors (in chunk order). */
    public record ChunkedDocument(DocumentVector document, List<Chunk> chunks, List<float[]> vectors) {}

    /**
     * The vectors of several documents already cut, in order: their windows share engine calls
     * (a list of short queries runs as one batch), and each document is pooled from its own.
     */
    public List<DocumentVector> embedAll(List<WindowPlan.Planned> docs, boolean normalize) {
        List<DocumentWindows> planned = new ArrayList<>(docs.size());
        List<EngineWindow> all = new ArrayList<>();
        for (WindowPlan.Planned d : docs) {
            DocumentWindows w = DocumentWindows.of(plan, d);
            planned.add(w);
            all.addAll(w.engineWindows());
        }
        List<WindowResult> results = results(all);
        List<DocumentVector> out = new ArrayList<>(docs.size());
        int at = 0;
        for (DocumentWindows d : planned) {
            int n = d.windows().size();
            float[] vector = d.vectors(results.subList(at, at + n), normalize).document();
            at += n;
            out.add(new DocumentVector(vector, d.planned().tokens(), d.planned().windows()));
        }
        return out;
    }

    /** Every window's result, in order: the queue behind {@code engine} cuts the batches. */
    private List<WindowResult> results(List<EngineWindow> windows) {
        return windows.isEmpty() ? List.of() : engine.apply(WindowBatch.of(new ArrayList<>(windows))).windows();
    }
}
