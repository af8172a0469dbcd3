package dev.kembed.app.config;

import dev.kembed.engine.EngineSpec;
import dev.kembed.stream.ChunkOutput;
import dev.kembed.stream.RecordLimits;
import dev.kembed.text.ChunkContext;
import dev.kembed.text.Chunker;
import dev.kembed.text.LateChunks;
import dev.kembed.text.Pooling;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;

/** The chunks topic for a vector index: its topic, and how chunks are cut and pooled. */
public final class ChunksConfig extends ConfigArea {
    public static final String CHUNKS_TOPIC = "kembed.chunks.topic";
    public static final String CHUNK_MAX_TOKENS = "kembed.chunk.max.tokens";
    public static final String CHUNK_CONTEXT = "kembed.chunk.context";
    public static final String CHUNK_TEXT = "kembed.chunk.text";
    public static final String CHUNK_TEXT_MAX_BYTES = "kembed.chunk.text.max.bytes";

    public ChunksConfig(AbstractConfig values) {
        super(values);
    }

    public static void define(ConfigDef def) {
        def.define(CHUNKS_TOPIC, Type.STRING, "", Importance.MEDIUM,
                        "Topic of chunk records for a vector index (schemas/chunk_embedding.avsc), key <id>#<chunk index>: written with "
                                + "their document in one transaction, retracted by tombstones (README \"Feeding a vector index\"); empty = none.")
                .define(CHUNK_MAX_TOKENS, Type.INT, 256, Range.between(0, 1 << 20), Importance.MEDIUM,
                        "Chunk size in content tokens, cut at paragraph, sentence or whitespace boundaries like kembed.window.boundaries=text, "
                                + "independently of the windows; 0 = one chunk per window.")
                .define(CHUNK_CONTEXT, Type.STRING, "window", Choice.of(ChunkContext.class), Importance.MEDIUM,
                        "window: late chunking (a chunk's vector is the mean of its token states read in its whole window, from the windows "
                                + "the document runs in anyway; mean pooling only); chunk: each chunk's text also runs alone as its own sequence.")
                .define(CHUNK_TEXT, Type.BOOLEAN, true, Importance.LOW, "Chunk records carry the chunk's text (null for pre-tokenized input).")
                .define(CHUNK_TEXT_MAX_BYTES, Type.INT, RecordLimits.DEFAULT_CHUNK_TEXT_MAX_BYTES, Range.between(1024, 64 << 20), Importance.LOW,
                        "Largest chunk text (UTF-8) a chunk record carries; a document with a longer chunk goes to the DLQ (chunk-too-large).");
    }

    /** The chunks topic differs from the stream's topics, late chunks pool by mean. */
    public void check(ConfigErrors errors, TopicsConfig topics) {
        if (!errors.parsed(CHUNKS_TOPIC)) {
            return;
        }
        String topic = values.getString(CHUNKS_TOPIC).trim();
        if (topic.isEmpty()) {
            return;
        }
        if (errors.parsed(TopicsConfig.INPUT_TOPIC, TopicsConfig.OUTPUT_TOPIC, TopicsConfig.DLQ_TOPIC)
                && (topic.equals(topics.inputTopic()) || topic.equals(topics.outputTopic()) || topic.equals(topics.dlqTopic()))) {
            errors.add(CHUNKS_TOPIC + "=" + topic + " must differ from the input, output and dead-letter topics");
        }
        String pooling = EmbeddingConfig.POOLING;
        if (errors.parsed(CHUNK_CONTEXT, pooling) && ChunkContext.parse(CHUNK_CONTEXT, values.getString(CHUNK_CONTEXT)) == ChunkContext.WINDOW
                && Pooling.parse(pooling, values.getString(pooling)) == Pooling.CLS) {
            errors.add(CHUNK_CONTEXT + "=window pools each chunk's own tokens (mean), and a chunk has no <s> of its own in its window, so "
                    + pooling + "=cls is refused with it; allowed: " + pooling + "=mean, or " + CHUNK_CONTEXT + "=chunk (each chunk runs alone "
                    + "and gets the CLS state of its own sequence)");
        }
    }

    /** The chunks topic and how chunks are made ({@code kembed.chunk.max.tokens=0}: one chunk per window), or null for none. */
    public ChunkOutput chunkOutput() {
        String chunks = values.getString(CHUNKS_TOPIC).trim();
        if (chunks.isEmpty()) {
            return null;
        }
        int max = values.getInt(CHUNK_MAX_TOKENS);
        return new ChunkOutput(chunks, max == 0 ? Chunker.PER_WINDOW : new Chunker(max),
                ChunkContext.parse(CHUNK_CONTEXT, values.getString(CHUNK_CONTEXT)), values.getBoolean(CHUNK_TEXT));
    }

    public int chunkTextMaxBytes() {
        return values.getInt(CHUNK_TEXT_MAX_BYTES);
    }

    /**
     * {@code spec} for the model whose attention window is {@code modelMaxTokens}: with late chunking,
     * the graph pools as many chunk slots per window as the windows and chunks can need.
     */
    public EngineSpec withChunkSlots(EngineSpec spec, int modelMaxTokens) {
        ChunkOutput chunks = chunkOutput();
        if (chunks == null || !chunks.late()) {
            return spec;
        }
        int windowMax = values.getInt(EmbeddingConfig.WINDOW_MAX_TOKENS);
        int window = windowMax > 0 ? windowMax : modelMaxTokens;
        return spec.withChunkSlots(LateChunks.slotsForWindows(window, chunks.chunker().maxTokens()));
    }
}
