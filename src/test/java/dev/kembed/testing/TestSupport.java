package dev.kembed.testing;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.function.Predicate;

/** What the integration tests share: free ports, a small kembed's configuration, and one way to wait for a condition. */
public final class TestSupport {
    private TestSupport() {}

    public static int freePort() throws java.io.IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** A small kembed on {@code <name>-in} / {@code <name>-out} with fast commits and short timeouts. */
    public static Properties kembedConfig(String name, String bootstrap, Path model, int metricsPort) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("application.id", "kembed-" + name);
        p.put("kembed.model.dir", model.toString());
        p.put("kembed.model.threads", "1");
        p.put("kembed.input.topic", name + "-in");
        p.put("kembed.output.topic", name + "-out");
        p.put("kembed.batch.max.tokens", "4096");
        p.put("kembed.batch.max.wait.ms", "20");
        p.put("kembed.window.max.tokens", "256");
        p.put("kembed.metrics.port", Integer.toString(metricsPort));
        p.put("session.timeout.ms", "6000");
        p.put("heartbeat.interval.ms", "1000");
        p.put("commit.interval.ms", "200");
        return p;
    }

    /**
     * Polls {@code probe} until {@code done} accepts its value and returns that value; fails with
     * {@code what} and the last value seen once {@code timeout} has passed. The probe may throw
     * (a server not listening yet): that counts as not done.
     */
    public static <T> T await(String what, Duration timeout, Callable<T> probe, Predicate<? super T> done) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        T last = null;
        Exception failure = null;
        while (true) {
            try {
                last = probe.call();
                failure = null;
                if (done.test(last)) {
                    return last;
                }
            } catch (Exception e) {
                failure = e;
            }
            if (System.nanoTime() > deadline) {
                AssertionError err = new AssertionError("waited " + timeout.toSeconds() + " s for " + what + "; last seen: "
                        + (failure != null ? failure : last));
                if (failure != null) {
                    err.initCause(failure);
                }
                throw err;
            }
            Thread.sleep(20);
        }
    }

    /** {@link #await} for a plain condition. */
    public static void await(String what, Duration timeout, java.util.function.BooleanSupplier condition) throws InterruptedException {
        await(what, timeout, condition::getAsBoolean, Boolean::booleanValue);
    }

    /** The {@code embedding} field of a decoded Avro output record. */
    public static float[] embedding(org.apache.avro.generic.GenericRecord r) {
        java.util.List<?> e = (java.util.List<?>) r.get("embedding");
        float[] v = new float[e.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = ((Number) e.get(i)).floatValue();
        }
        return v;
    }
}
