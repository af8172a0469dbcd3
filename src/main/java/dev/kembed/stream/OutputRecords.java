package dev.kembed.stream;

import dev.kembed.avro.DocumentEmbedding;
import dev.kembed.avro.ChunkEmbedding;
import dev.kembed.engine.EngineInfo;
import dev.kembed.text.Chunk;
import dev.kembed.text.ChunkContext;
import dev.kembed.text.EmbeddingSettings;
import dev.kembed.text.Pooling;
import java.util.ArrayList;
import java.util.List;

/** Builds the Avro output records. */
final class OutputRecords {
    private final EngineInfo engine;
    private final EmbeddingSettings settings;

    /** The model fingerprint records carry: the plan's (engine's, qualified by prompt and mean scope). */
    private final String fingerprint;

    OutputRecords(EngineInfo engine, EmbeddingSettings settings, String fingerprint) {
        this.engine = engine;
        this.settings = settings;
        this.fingerprint = fingerprint;
    }

    DocumentEmbedding document(String id, DocState s, float[] vector) {
        return DocumentEmbedding.newBuilder()
                .setId(id)
                .setVersion(s.version())
                .setTimestamp(s.timestamp() == null ? null : java.time.Instant.ofEpochMilli(s.timestamp()))
                .setModel(engine.modelName())
                .setModelFingerprint(fingerprint)
                .setEngine(engine.engine())
                .setPrecision(engine.precision().label())
                .setPooling(settings.pooling().label())
                .setNormalized(settings.normalize())
                .setDimension(vector.length)
                .setTokenCount(s.tokenCount())
                .setWindowCount(s.documentWindows())
                .setEmbedding(floats(vector))
                .setMetadata(s.metadata().isEmpty() ? null : s.metadata())
                .setSourceTopic(s.sourceTopic())
                .setSourcePartition(s.sourcePartition())
                .setSourceOffset(s.sourceOffset())
                .build();
    }

    /**
     * @param count    chunks of this version
     * @param withText whether the record carries the chunk's text
     */
    ChunkEmbedding chunk(String id, DocState s, Chunk c, int count, float[] vector, ChunkContext context, boolean withText) {
        return ChunkEmbedding.newBuilder()
                .setId(id)
                .setVersion(s.version())
                .setTimestamp(s.timestamp() == null ? null : java.time.Instant.ofEpochMilli(s.timestamp()))
                .setChunkId(Chunk.key(id, c.index()))
                .setPointId(Chunk.pointId(id, c.index()))
                .setChunkIndex(c.index())
                .setChunkCount(count)
                .setCharStart(c.charStart())
                .setCharEnd(c.charEnd())
                .setTokenStart(c.tokenStart())
                .setTokenEnd(c.tokenEnd())
                .setTokenCount(c.tokenCount())
                .setText(withText ? c.text() : null)
                .setContext(context.label())
                .setModel(engine.modelName())
                .setModelFingerprint(fingerprint)
                .setEngine(engine.engine())
                .setPrecision(engine.precision().label())
                .setPooling(context == ChunkContext.WINDOW ? Pooling.MEAN.label() : settings.pooling().label())
                .setNormalized(settings.normalize())
                .setDimension(vector.length)
                .setEmbedding(floats(vector))
                .setMetadata(s.metadata().isEmpty() ? null : s.metadata())
                .setSourceTopic(s.sourceTopic())
                .setSourcePartition(s.sourcePartition())
                .setSourceOffset(s.sourceOffset())
                .build();
    }

    static List<Float> floats(float[] v) {
        List<Float> out = new ArrayList<>(v.length);
        for (float x : v) {
            out.add(x);
        }
        return out;
    }
}
