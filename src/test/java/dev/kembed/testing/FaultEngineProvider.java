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
import java.util.concurrent.locks.LockSupport;

/**
 * {@code kembed.engine=fault} (registered for tests only, negative rank: never chosen by
 * {@code auto}, absent from the product's jar): the real CPU engine behind a fault read at every
 * call from the system property {@value #PROPERTY} or, for a child JVM, the environment variable
 * {@value #ENV}. Modes, comma-separated:
 * <ul>
 *   <li>{@code hang} — every call blocks forever (a wedged native call; health checks too);</li>
 *   <li>{@code hang-after=N} — the first N calls of this engine instance run, every later one hangs;
 *       a fresh instance (the engine re-opened) starts counting again;</li>
 *   <li>{@code hang-instances=K} — with {@code hang-after}: only the first K instances opened hang,
 *       later ones serve (an engine that recovers once re-opened);</li>
 *   <li>{@code slow=MS} — every call first sleeps MS milliseconds;</li>
 *   <li>{@code slow-per-token=US} — every call first sleeps US microseconds per token in the batch;</li>
 *   <li>{@code fail-over=N} — a window longer than N tokens fails as a window the engine cannot take.</li>
 * </ul>
 * Health checks go through {@link EmbeddingEngine#healthCheck()}'s default (a tiny embed call),
 * so they see the same fault.
 */
public final class FaultEngineProvider implements EngineProvider {
    public static final String NAME = "fault";
    public static final String PROPERTY = "kembed.test.fault";
    public static final String ENV = "KEMBED_TEST_FAULT";
    /** Engine instances opened so far in this JVM. */
    public static final AtomicInteger opened = new AtomicInteger();
    /** Calls that entered a hang, all instances. */
    public static final AtomicInteger hung = new AtomicInteger();

    /** Sets the fault for this JVM (null clears it). */
    public static void set(String fault) {
        if (fault == null) {
            System.clearProperty(PROPERTY);
        } else {
            System.setProperty(PROPERTY, fault);
        }
    }

    public static void reset() {
        set(null);
        opened.set(0);
        hung.set(0);
    }

    /** The parsed fault now; a spec this class cannot read fails loudly (a test typo must not pass as "no fault"). */
    record Fault(boolean hang, int hangAfter, int hangInstances, long slowMs, long slowPerTokenUs, int failOver) {
        static Fault now() {
            String spec = System.getProperty(PROPERTY, System.getenv(ENV));
            Fault f = new Fault(false, -1, Integer.MAX_VALUE, 0, 0, Integer.MAX_VALUE);
            if (spec == null || spec.isBlank()) {
                return f;
            }
            for (String part : spec.split(",")) {
                String[] kv = part.trim().split("=", 2);
                String v = kv.length > 1 ? kv[1].trim() : null;
                f = switch (kv[0].trim()) {
                    case "hang" -> new Fault(true, f.hangAfter, f.hangInstances, f.slowMs, f.slowPerTokenUs, f.failOver);
                    case "hang-after" -> new Fault(f.hang, Integer.parseInt(v), f.hangInstances, f.slowMs, f.slowPerTokenUs, f.failOver);
                    case "hang-instances" -> new Fault(f.hang, f.hangAfter, Integer.parseInt(v), f.slowMs, f.slowPerTokenUs, f.failOver);
                    case "slow" -> new Fault(f.hang, f.hangAfter, f.hangInstances, Long.parseLong(v), f.slowPerTokenUs, f.failOver);
                    case "slow-per-token" -> new Fault(f.hang, f.hangAfter, f.hangInstances, f.slowMs, Long.parseLong(v), f.failOver);
                    case "fail-over" -> new Fault(f.hang, f.hangAfter, f.hangInstances, f.slowMs, f.slowPerTokenUs, Integer.parseInt(v));
                    default -> throw new IllegalArgumentException("unknown fault '" + part + "' in " + PROPERTY + "/" + ENV + "=" + spec);
                };
            }
            return f;
        }
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
        return Set.of(Precision.FP32, Precision.INT8);
    }

    @Override
    public EmbeddingEngine open(EngineSpec spec, Checkpoint checkpoint, String modelName) {
        OnnxRuntimeEngine real = new OnnxRuntimeEngine(checkpoint, modelName, spec.intraOpThreads(), spec.sessions(), spec.globalAttention(),
                spec.precision());
        EngineInfo info = real.info().withEngine(NAME);
        int instance = opened.incrementAndGet();
        AtomicInteger calls = new AtomicInteger();
        return new EmbeddingEngine() {
            @Override
            public EngineInfo info() {
                return info;
            }

            @Override
            public BatchResult embed(WindowBatch batch) {
                Fault f = Fault.now();
                int call = calls.incrementAndGet();
                boolean hangs = f.hang() || (f.hangAfter() >= 0 && call > f.hangAfter() && instance <= f.hangInstances());
                if (hangs) {
                    hung.incrementAndGet();
                    while (true) {
                        LockSupport.park(this); // like a wedged native call: interrupts do not end it
                    }
                }
                long tokens = 0;
                for (EngineWindow w : batch.windows()) {
                    tokens += w.length();
                    if (w.length() > f.failOver()) {
                        throw EngineException.badWindow("window-too-long", "fault engine: a window of " + w.length() + " tokens is over "
                                + f.failOver());
                    }
                }
                long sleepMs = f.slowMs() + tokens * f.slowPerTokenUs() / 1000;
                if (sleepMs > 0) {
                    try {
                        Thread.sleep(sleepMs);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw EngineException.transientFailure("fault engine: interrupted while slow", e);
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
