package dev.kembed.embed;

import dev.kembed.engine.EngineWindow;
import dev.kembed.engine.WindowResult;
import dev.kembed.text.BadInputException;
import dev.kembed.text.Chunk;
import dev.kembed.text.ChunkContext;
import dev.kembed.text.ChunkPooler;
import dev.kembed.text.Chunker;
import dev.kembed.text.DocumentPooler;
import dev.kembed.text.LateChunks;
import dev.kembed.text.TextWindow;
import dev.kembed.text.WindowPlan;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The one core from a planned document to its vectors, shared by the stream, {@code kembed embed}
 * and the query API. First half: the windows the engine runs (the document's own, with late-chunk
 * slots; then, for chunks run alone, each chunk's own windows). Second half: the pooling of their
 * results into the document vector and the chunk vectors. The stream keeps each window in its
 * pending store between the halves and pools as results arrive ({@link #poolDocument},
 * {@link #chunkPooler}, {@link #poolChunk}); the synchronous paths pool all at once ({@link #vectors}).
 */
public final class DocumentWindows {
    /**
     * One window to run, with where its result goes.
     *
     * @param charStart  the window's first character in the text; -1 for a chunk's own window
     * @param firstChunk late chunking: the document chunk of slot 0, -1 when the window has none
     * @param chunk      with chunks run alone: the chunk this window is a sequence of; -1 for a window
     *                   of the document (the only kind pooled into the document vector)
     */
    public record Window(int index, EngineWindow engine, int charStart, int charEnd, int ownedTokens, int firstChunk, int chunk) {
        public boolean ofDocument() {
            return chunk < 0;
        }
    }

    /** A document vector with its chunks' vectors (in chunk order; empty without chunks). */
    public record Vectors(float[] document, List<float[]> chunks) {}

    private final WindowPlan plan;
    private final WindowPlan.Planned planned;
    private final List<Chunk> chunks;
    private final boolean late;
    private final List<Window> windows;

    private DocumentWindows(WindowPlan plan, WindowPlan.Planned planned, List<Chunk> chunks, boolean late, List<Window> windows) {
        this.plan = plan;
        this.planned = planned;
        this.chunks = chunks;
        this.late = late;
        this.windows = windows;
    }

    /** A document without chunks: its own windows only. */
    public static DocumentWindows of(WindowPlan plan, WindowPlan.Planned planned) {
        return of(plan, planned, null, List.of(), null);
    }

    /**
     * @param contentIds the document's content ids when it came pre-tokenized (null for text): what
     *                   a chunk without text of its own runs
     * @param chunks     the document's chunks ({@link #chunksOf}), empty for none
     * @param context    how chunks are read: in the document's windows (late chunking) or alone; null without chunks
     */
    public static DocumentWindows of(WindowPlan plan, WindowPlan.Planned planned, int[] contentIds, List<Chunk> chunks, ChunkContext context) {
        List<TextWindow> own = planned.windows();
        boolean late = context == ChunkContext.WINDOW;
        LateChunks slots = late ? LateChunks.of(own, chunks) : null;
        boolean globalCls = plan.globalCls();
        List<Window> all = new ArrayList<>(own.size());
        for (int k = 0; k < own.size(); k++) {
            TextWindow w = own.get(k);
            EngineWindow ew = engineWindow(w.ids(), plan.enginePoolMask(w), globalCls, slots == null ? null : slots.slots(k));
            all.add(new Window(w.index(), ew, w.charStart(), w.charEnd(), w.ownedTokens(), slots == null ? -1 : slots.firstChunk(k), -1));
        }
        if (context == ChunkContext.CHUNK) { // each chunk also runs alone, as its own sequence after the document's windows
            for (Chunk c : chunks) {
                for (TextWindow w : aloneWindows(plan, c, planned, contentIds)) {
                    EngineWindow ew = engineWindow(w.ids(), plan.enginePoolMask(w), globalCls, null);
                    all.add(new Window(all.size(), ew, -1, -1, w.ownedTokens(), -1, c.index()));
                }
            }
        }
        return new DocumentWindows(plan, planned, List.copyOf(chunks), late, List.copyOf(all));
    }

    /** The document's retrieval chunks: cut at text boundaries, or one per window ({@code maxTokens() == 0}). */
    public static List<Chunk> chunksOf(Chunker chunker, WindowPlan.Planned planned) {
        if (chunker.maxTokens() == 0) {
            return Chunker.ofWindows(planned.windows(), planned.doc());
        }
        return planned.doc() != null ? chunker.cut(planned.doc()) : chunker.cut(planned.tokens());
    }

    /**
     * The windows of a chunk run alone: its text tokenized on its own, as {@code kembed embed} of
     * that text would be; pre-tokenized input (or a chunk whose text has no tokens of its own, all
     * whitespace) runs its ids.
     */
    private static List<TextWindow> aloneWindows(WindowPlan plan, Chunk c, WindowPlan.Planned planned, int[] contentIds) {
        if (c.text() != null) {
            try {
                return plan.cut(c.text()).windows();
            } catch (BadInputException e) {
                // falls through to the chunk's own ids
            }
        }
        int[] ids = planned.doc() != null ? planned.doc().ids() : contentIds;
        return plan.cut(Arrays.copyOfRange(ids, c.tokenStart(), c.tokenEnd())).windows();
    }

    /** A window as the engine takes it, with late-chunk slots or none ({@code slots} null). */
    public static EngineWindow engineWindow(int[] ids, int[] poolMask, boolean globalCls, int[] slots) {
        EngineWindow w = WindowPlan.engineWindow(ids, poolMask, globalCls);
        return slots == null ? w : new EngineWindow(w.inputIds(), w.globalMask(), w.poolMask(), slots);
    }

    /** Adds a window's result to the document vector's pooler; a chunk's own window adds nothing. */
    public static void poolDocument(DocumentPooler pooler, Window w, WindowResult r) {
        if (w.ofDocument()) {
            pooler.add(r.cls(), r.sum(), r.count(), w.ownedTokens());
        }
    }

    /** The pooler of a document's chunk vectors: late (each chunk the mean of its tokens' states) or alone (by the plan's pooling). */
    public static ChunkPooler chunkPooler(WindowPlan plan, List<Chunk> chunks, boolean late) {
        int dim = plan.engine().dimension();
        return late ? ChunkPooler.late(chunks, dim) : ChunkPooler.alone(chunks, plan.settings().pooling(), dim);
    }

    /** Adds a window's result to the chunk vectors: its slot sums (late, a document window) or its whole result (alone, a chunk's window). */
    public static void poolChunk(ChunkPooler pooler, boolean late, Window w, WindowResult r) {
        if (late && w.ofDocument()) {
            pooler.addSlots(w.firstChunk(), r.chunkSums(), r.chunkCounts());
        } else if (!late && !w.ofDocument()) {
            pooler.addWindow(w.chunk(), r.cls(), r.sum(), r.count(), w.ownedTokens());
        }
    }

    public List<Window> windows() {
        return windows;
    }

    /** The engine windows, in order. */
    public List<EngineWindow> engineWindows() {
        return windows.stream().map(Window::engine).toList();
    }

    public WindowPlan.Planned planned() {
        return planned;
    }

    public List<Chunk> chunks() {
        return chunks;
    }

    /** The vectors from every window's result ({@code results} indexed like {@link #windows}). */
    public Vectors vectors(List<WindowResult> results, boolean normalize) {
        DocumentPooler doc = plan.newPooler();
        ChunkPooler chunked = chunks.isEmpty() ? null : chunkPooler(plan, chunks, late);
        for (int k = 0; k < windows.size(); k++) {
            poolDocument(doc, windows.get(k), results.get(k));
            if (chunked != null) {
                poolChunk(chunked, late, windows.get(k), results.get(k));
            }
        }
        return new Vectors(doc.result(normalize), chunked == null ? List.of() : chunked.vectors(normalize));
    }
}
