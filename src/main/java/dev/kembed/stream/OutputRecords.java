package dev.kembed.stream;

import dev.kembed.avro.DocumentEmbedding;
import dev.kembed.avro.WindowEmbedding;
import dev.kembed.engine.EngineInfo;
import dev.kembed.text.EmbeddingSettings;
import java.util.ArrayList;
import java.util.List;

/** Builds the Avro output records. */
final class OutputRecords {
    private final EngineInfo engine;
    private final EmbeddingSettings settings;

    OutputRecords(EngineInfo engine, EmbeddingSettings settings) {
        this.engine = engine;
        this.settings = settings;
    }

    DocumentEmbedding document(String id, DocState s, float[] vector) {
        return DocumentEmbedding.newBuilder()
                .setId(id)
                .setVersion(s.version())
                .setTimestamp(s.timestamp() == null ? null : java.time.Instant.ofEpochMilli(s.timestamp()))
                .setModel(engine.modelName())
                .setModelFingerprint(engine.modelFingerprint())
                .setEngine(engine.engine())
                .setPrecision(engine.precision().label())
                .setPooling(settings.pooling().label())
                .setNormalized(settings.normalize())
                .setDimension(vector.length)
                .setTokenCount(s.tokenCount())
                .setWindowCount(s.expectedWindows())
                .setEmbedding(floats(vector))
                .setMetadata(s.metadata().isEmpty() ? null : s.metadata())
                .setSourceTopic(s.sourceTopic())
                .setSourcePartition(s.sourcePartition())
                .setSourceOffset(s.sourceOffset())
                .build();
    }

    WindowEmbedding window(String id, DocState s, PendingWindow w, float[] vector) {
        return WindowEmbedding.newBuilder()
                .setId(id)
                .setVersion(s.version())
                .setWindowIndex(w.index())
                .setWindowCount(s.expectedWindows())
                .setCharStart(w.charStart())
                .setCharEnd(w.charEnd())
                .setTokenCount(w.ids().length)
                .setModelFingerprint(engine.modelFingerprint())
                .setEmbedding(floats(vector))
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
