package dev.kembed.app;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kembed.embed.DirectEmbedder;
import dev.kembed.embed.DocumentVector;
import dev.kembed.engine.EngineException;
import dev.kembed.engine.EngineInfo;
import dev.kembed.model.arch.ModelConfig;
import dev.kembed.text.BadInputException;
import dev.kembed.text.Chunk;
import dev.kembed.text.ChunkContext;
import dev.kembed.text.Chunker;
import dev.kembed.text.EmbeddingSettings;
import dev.kembed.text.LateChunks;
import dev.kembed.text.Pooling;
import dev.kembed.text.WindowPlan;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Mixin;

/** {@code kembed embed}: JSON Lines of documents in, JSON Lines of vectors out. */
@Command(name = "embed", mixinStandardHelpOptions = true,
        description = {"Embed JSON Lines documents ({\"id\": ..., \"text\": ...}) into JSON Lines vectors.",
                "A bad line becomes an error record with its line number; the run goes on. Exit code 3 if any line failed."})
public final class EmbedCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(EmbedCommand.class);
    /** Documents read ahead into one block: enough for the queue to fill batches of similar lengths from many short texts. */
    public static final int BLOCK_LINES = 1024;
    /** ... and at most this much text, so a block of long documents stays small in memory. */
    static final long BLOCK_CHARS = 4_000_000;

    @Mixin
    EngineOptions engine;

    @Mixin
    WindowOptions windows;

    @Mixin
    PoolingOptions pooling;

    @picocli.CommandLine.Option(names = "--batch-tokens", defaultValue = "16384", description = "Padded tokens per engine call. Default: ${DEFAULT-VALUE}")
    int batchTokens;

    @Mixin
    JsonLinesOptions io;

    @picocli.CommandLine.Option(names = "--truncate",
            description = "Cut each text at one window (the model's limit, or a sentence-transformers directory's max_seq_length; a "
                    + "prompt is kept), as sentence-transformers and TEI's truncate do, instead of embedding it whole in several windows.")
    boolean truncate;

    @picocli.CommandLine.Option(names = "--chunks",
            description = "Write one line per retrieval chunk (late chunking: each chunk's vector is the mean of its tokens' states "
                    + "in the windows the document runs in anyway) instead of one per document.")
    boolean chunks;

    @picocli.CommandLine.Option(names = "--chunk-tokens", defaultValue = "256",
            description = "With --chunks: chunk size in content tokens, cut at text boundaries (0 = one chunk per window). Default: ${DEFAULT-VALUE}")
    int chunkTokens;

    @picocli.CommandLine.Option(names = "--chunk-context", defaultValue = "window",
            description = "With --chunks: window (late chunking: a chunk is read in its whole window) or chunk (each chunk's text "
                    + "runs alone). Default: ${DEFAULT-VALUE}")
    String chunkContext;

    @Override
    public Integer call() throws Exception {
        EmbeddingSettings settings = pooling.settings(windows, engine.model());
        Chunker cutter = ChunkOptions.chunker(this, chunkTokens); // checked with or without --chunks
        Chunker chunker = chunks ? cutter : null;
        ChunkContext context = ChunkContext.parse("--chunk-context", chunkContext);
        boolean late = chunks && context == ChunkContext.WINDOW;
        if (late && settings.pooling() == Pooling.CLS) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                    "--chunk-context window pools each chunk's own tokens (mean); a chunk has no <s> of its own there, so --pooling cls "
                            + "is refused with it (--chunk-context chunk runs each chunk alone and allows it)");
        }
        int slots = 0;
        if (late) { // the graph's chunk slots per window follow from the longest window
            int window = windows.maxTokens > 0 ? windows.maxTokens : ModelConfig.read(engine.model()).maxTokens();
            slots = LateChunks.slotsForWindows(window, chunkTokens);
        }
        long ok = 0;
        long failed = 0;
        long tokens = 0;
        long opened = System.nanoTime();
        long[] start = {opened};
        double loadSecs;
        Progress progress = new Progress();
        try (KembedModel model = slots > 0 ? engine.open(settings.globalCls(), slots) : engine.open(settings.globalCls());
                JsonLinesIo lines = io.open()) {
            DirectEmbedder embedder = new DirectEmbedder(model.plan(settings, WindowPlan.SettingNames.CLI), model.engine(), batchTokens);
            embedder.embed("warm up"); // the first engine call's one-time costs belong to loading, not to the first document
            start[0] = System.nanoTime();
            loadSecs = (start[0] - opened) / 1e9;
            long[] counts = new long[2]; // documents, tokens
            Runnable afterEach = () -> progress.update(++counts[0], counts[1], start[0]);
            if (chunker != null) {
                failed = lines.forEachLines(line -> {
                    DirectEmbedder.ChunkedDocument d = embedder.embedChunks(line.text(), chunker, context);
                    counts[1] += d.document().tokens();
                    return chunkLines(line.id(), d, model.engine().info(), embedder.plan().fingerprint());
                }, afterEach);
            } else { // many documents per block, so the queue batches short texts of many documents into one engine call
                failed = lines.forEachBlock(BLOCK_LINES, BLOCK_CHARS, block -> embedBlock(embedder, lines, block, truncate, counts), afterEach);
            }
            ok = counts[0] - failed;
            tokens = counts[1];
        }
        progress.finish();
        double secs = (System.nanoTime() - start[0]) / 1e9;
        System.err.printf("kembed embed: %d documents embedded, %d failed, %d tokens in %.1f s (%.1f documents/s, %.0f tokens/s; model "
                + "loaded in %.1f s before)%n", ok, failed, tokens, secs, ok / Math.max(secs, 1e-9), tokens / Math.max(secs, 1e-9), loadSecs);
        return failed > 0 ? 3 : 0;
    }

    /** One JSON object per chunk, with the fields of a chunk record. */
    /**
     * One record per line of a block, in order. The block's documents share engine calls; a line
     * whose text is bad, or whose window the engine refuses, becomes its own error record.
     */
    private static List<ObjectNode> embedBlock(DirectEmbedder embedder, JsonLinesIo io, List<JsonLinesIo.Line> block, boolean truncate,
            long[] counts) {
        ObjectNode[] out = new ObjectNode[block.size()];
        List<WindowPlan.Planned> planned = new ArrayList<>();
        List<Integer> at = new ArrayList<>();
        for (int i = 0; i < block.size(); i++) {
            try {
                WindowPlan.Planned p = embedder.plan().cut(block.get(i).text());
                planned.add(truncate ? embedder.plan().truncated(p) : p);
                at.add(i);
            } catch (BadInputException e) {
                out[i] = io.error(block.get(i), e.reason(), e.getMessage());
            }
        }
        boolean normalize = embedder.plan().settings().normalize();
        List<DocumentVector> vectors = null;
        try {
            vectors = embedder.embedAll(planned, normalize);
        } catch (EngineException e) {
            LOG.debug("a block failed ({}); embedding its documents one by one to find whose window it was", e.getMessage());
        }
        for (int k = 0; k < planned.size(); k++) {
            JsonLinesIo.Line line = block.get(at.get(k));
            try {
                DocumentVector v = vectors != null ? vectors.get(k) : embedder.embed(planned.get(k), normalize);
                counts[1] += v.tokens();
                out[at.get(k)] = documentLine(line.id(), v);
            } catch (EngineException e) {
                out[at.get(k)] = io.error(line, "engine-error", e.getMessage());
            }
        }
        return List.of(out);
    }

    static ObjectNode documentLine(String id, DocumentVector e) {
        ObjectNode o = JsonLinesIo.JSON.createObjectNode();
        o.put("id", id).put("dim", e.dimension()).put("windows", e.windows().size()).put("tokens", e.tokens());
        var arr = o.putArray("embedding");
        for (float v : e.vector()) {
            arr.add(v);
        }
        return o;
    }

    static List<ObjectNode> chunkLines(String id, DirectEmbedder.ChunkedDocument d, EngineInfo info, String fingerprint) {
        List<ObjectNode> out = new java.util.ArrayList<>();
        for (Chunk c : d.chunks()) {
            ObjectNode o = JsonLinesIo.JSON.createObjectNode();
            o.put("id", id).put("chunk_id", Chunk.key(id, c.index()))
                    .put("point_id", Chunk.pointId(id, c.index()).toString()).put("chunk_index", c.index())
                    .put("chunk_count", d.chunks().size()).put("token_start", c.tokenStart()).put("token_end", c.tokenEnd())
                    .put("token_count", c.tokenCount()).put("char_start", c.charStart()).put("char_end", c.charEnd()).put("text", c.text())
                    .put("model", info.modelName()).put("model_fingerprint", fingerprint).put("dim", info.dimension());
            var arr = o.putArray("embedding");
            for (float v : d.vectors().get(c.index())) {
                arr.add(v);
            }
            out.add(o);
        }
        return out;
    }

    /** A one-line progress display, only when stderr is a terminal. */
    static final class Progress {
        private final boolean tty = System.console() != null;
        private long lastDraw;

        void update(long docs, long tokens, long start) {
            long now = System.nanoTime();
            if (!tty || now - lastDraw < 200_000_000L) {
                return;
            }
            lastDraw = now;
            double secs = (now - start) / 1e9;
            int bar = (int) (docs % 20);
            System.err.printf("\r[%s%s] %d docs  %d tokens  %.0f tokens/s ", "=".repeat(bar), " ".repeat(20 - bar), docs, tokens,
                    tokens / Math.max(secs, 1e-9));
        }

        void finish() {
            if (tty) {
                System.err.print("\r" + " ".repeat(70) + "\r");
            }
        }
    }
}
