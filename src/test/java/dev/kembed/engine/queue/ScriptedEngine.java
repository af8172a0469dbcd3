package dev.kembed.engine.queue;

import dev.kembed.engine.BatchResult;
import dev.kembed.engine.EmbeddingEngine;
import dev.kembed.engine.EngineException;
import dev.kembed.engine.EngineInfo;
import dev.kembed.engine.EngineWindow;
import dev.kembed.engine.Precision;
import dev.kembed.engine.WindowBatch;
import dev.kembed.engine.WindowResult;

import dev.kembed.model.arch.Architectures;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * A fake engine for the queue and worker tests: records each batch, answers each window with its
 * first id and length, and fails as the test's script says (per batch, health checks included).
 */
final class ScriptedEngine implements EmbeddingEngine {
    final List<List<EngineWindow>> batches = Collections.synchronizedList(new ArrayList<>());
    final List<Integer> callSizes = Collections.synchronizedList(new ArrayList<>());
    /** Returns the exception to throw for a batch, or null to answer it. */
    volatile Function<WindowBatch, EngineException> script = b -> null;
    /** Anything else to throw for a batch (an {@link Error}, a bug's RuntimeException), or null. */
    volatile Function<WindowBatch, Throwable> raw = b -> null;
    List<Integer> staticLengths = List.of();
    int maxBatch = 0;
    /** The model's pad multiple: its attention band, 1 for a model that attends fully. */
    int padMultiple = 16;

    @Override
    public EngineInfo info() {
        return new EngineInfo("scripted", "fake", "0", Precision.FP32, Architectures.LONGFORMER, 2, 4096, padMultiple, false, Set.of(Precision.FP32),
                staticLengths, maxBatch, !staticLengths.isEmpty(), 1000, 1, 0, 2, !staticLengths.isEmpty(), "scripted", 0);
    }

    @Override
    public BatchResult embed(WindowBatch batch) {
        callSizes.add(batch.windows().size());
        EngineException e = script.apply(batch);
        if (e != null) {
            throw e;
        }
        Throwable t = raw.apply(batch);
        if (t instanceof Error err) {
            throw err;
        }
        if (t instanceof RuntimeException re) {
            throw re;
        }
        batches.add(batch.windows());
        List<WindowResult> rs = new ArrayList<>();
        for (EngineWindow w : batch.windows()) {
            rs.add(new WindowResult(new float[] {w.inputIds()[0], w.length()}, new float[2], w.length(), null));
        }
        return new BatchResult(rs, 1000, (long) batch.maxLength() * rs.size());
    }

    /** A health check is the two-token window {@code <s></s>}. */
    static boolean isHealthCheck(WindowBatch b) {
        return b.windows().size() == 1 && b.windows().get(0).length() == 2 && b.windows().get(0).inputIds()[0] == 0;
    }

    @Override
    public void close() {}
}
