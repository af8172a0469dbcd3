package dev.kembed.embed;

import dev.kembed.engine.BatchResult;
import dev.kembed.engine.EmbeddingEngine;
import dev.kembed.engine.EngineWindow;
import dev.kembed.engine.WindowBatch;
import dev.kembed.engine.WindowResult;
import dev.kembed.text.Chunk;
import dev.kembed.text.ChunkContext;
import dev.kembed.text.Chunker;
import dev.kembed.text.DocumentPooler;
import dev.kembed.text.LateChunks;
import dev.kembed.text.TokenizedText;
import dev.kembed.text.TextWindow;
import dev.kembed.text.WindowPlan;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The synchronous path from text to vector (plan, run, pool) used by {@code kembed embed} and the
 * HTTP routes: the reference the streaming topology's output is compared with. Where the windows
 * run is the caller's choice: the engine itself, or the shared engine queue's priority lane.
 */
public final class DirectEmbedder {
    private final WindowPlan plan;
    private final Function<WindowBatch, BatchResult> engine;
    private final int batchTokens;

    /** @param batchTokens padded tokens per engine call (windows × longest window) */
    public DirectEmbedder(WindowPlan plan, EmbeddingEngine engine, int batchTokens) {
        this(plan, engine::embed, batchTokens);
    }

    /**
     * @param engine      runs one batch of windows (an engine's {@code embed}, or a queue lane's {@code run})
     * @param batchTokens padded tokens per call (windows × longest window)
     */
    public DirectEmbedder(WindowPlan plan, Function<WindowBatch, BatchResult> engine, int batchTokens) {
        if (batchTokens <= 0) {
            throw new IllegalArgumentException("--batch-tokens must be positive, got " + batchTokens);
        }
        this.plan = plan;
        this.engine = engine;
        this.batchTokens = batchTokens;
    }

    public WindowPlan plan() {
        return plan;
    }

    public DocumentVector embed(String text) {
        return embed(plan.cut(text), plan.settings().normalize());
    }

    /** The vector of a document already cut (from text or token ids), L2-normalized or not as asked. */
    public DocumentVector embed(WindowPlan.Planned doc, boolean normalize) {
        return run(doc.tokens(), doc.windows(), null, null, normalize);
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
        TokenizedText tokens = plan.tokenize(text);
        List<TextWindow> windows = plan.cut(tokens);
        List<Chunk> chunks = chunker.maxTokens() == 0 ? Chunker.ofWindows(windows, tokens) : chunker.cut(tokens);
        if (context == ChunkContext.CHUNK) {
            DocumentVector doc = run(tokens.size(), windows, null, null, plan.settings().normalize());
            return new ChunkedDocument(doc, chunks, chunks.stream().map(c -> embed(c.text()).vector()).toList());
        }
        LateChunks late = LateChunks.of(windows, chunks);
        List<float[][]> sums = new ArrayList<>();
        List<float[]> counts = new ArrayList<>();
        DocumentVector doc = run(tokens.size(), windows, late, (s, c) -> {
            sums.add(s);
            counts.add(c);
        }, plan.settings().normalize());
        return new ChunkedDocument(doc, chunks, late.pool(sums, counts, doc.dimension(), plan.settings().normalize()));
    }

    /** A document vector with its chunks and their vectors (in chunk order). */
    public record ChunkedDocument(DocumentVector document, List<Chunk> chunks, List<float[]> vectors) {}

    /**
     * The vectors of several documents already cut, in order: their windows share engine calls
     * (a list of short queries runs as one batch), and each document is pooled from its own.
     */
    public List<DocumentVector> embedAll(List<WindowPlan.Planned> docs, boolean normalize) {
        List<EngineWindow> all = new ArrayList<>();
        for (WindowPlan.Planned d : docs) {
            d.windows().forEach(w -> all.add(plan.engineWindow(w)));
        }
        List<WindowResult> results = results(all);
        List<DocumentVector> out = new ArrayList<>(docs.size());
        int at = 0;
        for (WindowPlan.Planned d : docs) {
            DocumentPooler pooler = plan.newPooler();
            for (TextWindow w : d.windows()) {
                WindowResult r = results.get(at++);
                pooler.add(r.cls(), r.sum(), r.count(), w.ownedTokens());
            }
            out.add(new DocumentVector(pooler.result(normalize), d.tokens(), d.windows()));
        }
        return out;
    }

    private DocumentVector run(int tokens, List<TextWindow> windows, LateChunks late, java.util.function.BiConsumer<float[][], float[]> chunkSums,
            boolean normalize) {
        List<EngineWindow> engineWindows = new ArrayList<>();
        for (int k = 0; k < windows.size(); k++) {
            EngineWindow w = plan.engineWindow(windows.get(k));
            engineWindows.add(late == null ? w : new EngineWindow(w.inputIds(), w.globalMask(), w.poolMask(), late.slots(k)));
        }
        List<WindowResult> results = results(engineWindows);
        DocumentPooler pooler = plan.newPooler();
        for (int k = 0; k < windows.size(); k++) {
            WindowResult r = results.get(k);
            pooler.add(r.cls(), r.sum(), r.count(), windows.get(k).ownedTokens());
            if (chunkSums != null) {
                chunkSums.accept(r.chunkSums() == null ? new float[0][] : r.chunkSums(), r.chunkCounts() == null ? new float[0] : r.chunkCounts());
            }
        }
        return new DocumentVector(pooler.result(normalize), tokens, windows);
    }

    /** Every window's result, in order, from calls of at most {@code batchTokens} padded tokens. */
    private List<WindowResult> results(List<EngineWindow> windows) {
        List<WindowResult> out = new ArrayList<>(windows.size());
        int from = 0;
        while (from < windows.size()) {
            int to = from + 1;
            int longest = windows.get(from).length();
            while (to < windows.size() && (long) Math.max(longest, windows.get(to).length()) * (to - from + 1) <= batchTokens) {
                longest = Math.max(longest, windows.get(to).length());
                to++;
            }
            out.addAll(engine.apply(WindowBatch.of(new ArrayList<>(windows.subList(from, to)))).windows());
            from = to;
        }
        return out;
    }
}
