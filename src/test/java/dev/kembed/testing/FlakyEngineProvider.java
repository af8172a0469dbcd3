package dev.kembed.testing;

import dev.kembed.engine.BatchResult;
import dev.kembed.engine.EmbeddingEngine;
import dev.kembed.engine.EngineException;
import dev.kembed.engine.EngineInfo;
import dev.kembed.engine.EngineProvider;
import dev.kembed.engine.EngineSpec;
import dev.kembed.engine.EngineWindow;
import dev.kembed.engine.Precision;
import dev.kembed.engine.WindowBatch;
import dev.kembed.engine.onnxruntime.OnnxRuntimeEngine;
import dev.kembed.model.arch.Checkpoint;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code kembed.engine=test-flaky} (registered for tests only): the real CPU engine, behind
 * switches a test flips. While {@link #down}, every call fails as a transient device error (health
 * checks included); a window longer than {@link #refuseLongerThan} is refused as a shape the
 * engine cannot take. While {@link #gate} is set, every call first takes one of its permits (a test
 * holds the batch in flight); {@link #calls} records every call's windows in the order calls start.
 */
public final class FlakyEngineProvider implements EngineProvider {
    public static final String NAME = "test-flaky";
    public static volatile boolean down;
    public static volatile int refuseLongerThan = Integer.MAX_VALUE;
    public static final AtomicInteger failedCalls = new AtomicInteger();
    public static volatile java.util.concurrent.Semaphore gate;
    public static final java.util.List<java.util.List<EngineWindow>> calls = new java.util.concurrent.CopyOnWriteArrayList<>();

    public static void reset() {
        down = false;
        refuseLongerThan = Integer.MAX_VALUE;
        failedCalls.set(0);
        gate = null;
        calls.clear();
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int rank() {
        return -1; // a test double: only when named
    }

    @Override
    public String unavailable(EngineSpec spec) {
        return null;
    }

    @Override
    public Set<Precision> precisions() {
        return Set.of(Precision.FP32);
    }

    @Override
    public EmbeddingEngine open(EngineSpec spec, Checkpoint checkpoint, String modelName) {
        OnnxRuntimeEngine real = new OnnxRuntimeEngine(checkpoint, modelName, spec.intraOpThreads(), spec.sessions(), spec.globalAttention(), spec.precision());
        EngineInfo info = real.info().withEngine(NAME);
        return new EmbeddingEngine() {
            @Override
            public EngineInfo info() {
                return info;
            }

            @Override
            public BatchResult embed(WindowBatch batch) {
                calls.add(java.util.List.copyOf(batch.windows()));
                java.util.concurrent.Semaphore g = gate;
                if (g != null) {
                    g.acquireUninterruptibly();
                }
                if (down) {
                    failedCalls.incrementAndGet();
                    throw EngineException.transientFailure("simulated device outage", null);
                }
                for (EngineWindow w : batch.windows()) {
                    if (w.length() > refuseLongerThan) {
                        throw EngineException.badWindow("window-too-long", "a window of " + w.length() + " tokens does not fit this device's"
                                + " largest shape (" + refuseLongerThan + ")");
                    }
                }
                return real.embed(batch);
            }

            @Override
            public void close() {
                real.close();
            }
        };
    }
}
