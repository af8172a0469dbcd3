package dev.kembed.app;

import dev.kembed.error.KembedException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What to do when a stream thread dies of an exception nothing handled (bad input never gets here:
 * it goes to the dead-letter topic). A fatal {@link KembedException} (a registry that refuses the
 * output schema, a model that cannot run) stops the client at once: a new thread would fail the
 * same way. Anything else replaces the thread after a doubling pause, at most {@code limit} times
 * within {@code windowMs}; past that the client stops, so the process exits and its supervisor
 * restarts it instead of kembed looping quietly. While replacements are recent, readiness fails.
 *
 * <p>A schema registry that does not answer is the exception: the sink's serializer already retried
 * in place (a few seconds), and a new thread would only fail while it stays down, so the dying
 * thread waits until the registry answers (checking at the same doubling pauses, at most the
 * longest pause in all) and is then replaced, without counting towards the limit. Under exactly-once
 * the failed transaction is aborted and re-read by the new thread: nothing is lost or written
 * twice, and an outage of any length never stops the client.
 */
final class StreamThreadFailures {
    private static final Logger LOG = LoggerFactory.getLogger(StreamThreadFailures.class);

    interface Sleeper {
        void sleep(long ms) throws InterruptedException;
    }

    private final int limit;
    private final long windowMs;
    private final long initialPauseMs;
    private final long maxPauseMs;
    private final LongSupplier clockMs;
    private final Sleeper sleeper;
    private final Supplier<String> registryDown;
    private final Deque<Long> recent = new ArrayDeque<>();
    private volatile String last;
    private volatile long lastAtMs = Long.MIN_VALUE;
    private int registryWaits;

    StreamThreadFailures(int limit, long windowMs, long initialPauseMs, long maxPauseMs, LongSupplier clockMs, Sleeper sleeper) {
        this(limit, windowMs, initialPauseMs, maxPauseMs, clockMs, sleeper, () -> null);
    }

    /** @param registryDown null while the schema registry answers, else why not (asked while a thread waits for it) */
    StreamThreadFailures(int limit, long windowMs, long initialPauseMs, long maxPauseMs, LongSupplier clockMs, Sleeper sleeper,
            Supplier<String> registryDown) {
        this.registryDown = registryDown;
        this.limit = limit;
        this.windowMs = windowMs;
        this.initialPauseMs = initialPauseMs;
        this.maxPauseMs = maxPauseMs;
        this.clockMs = clockMs;
        this.sleeper = sleeper;
    }

    static StreamThreadFailures standard() {
        return standard(() -> null);
    }

    static StreamThreadFailures standard(Supplier<String> registryDown) {
        return new StreamThreadFailures(5, 10 * 60_000L, 1_000, 60_000, System::currentTimeMillis, Thread::sleep, registryDown);
    }

    StreamThreadExceptionResponse handle(Throwable e) {
        long now = clockMs.getAsLong();
        KembedException classified = classified(e);
        if (classified != null && classified.retryable() && REGISTRY_UNAVAILABLE.equals(classified.reason())) {
            return waitForRegistry(classified, e, now);
        }
        synchronized (this) {
            while (!recent.isEmpty() && recent.peekFirst() <= now - windowMs) {
                recent.pollFirst();
            }
            recent.addLast(now);
            last = e.toString();
            lastAtMs = now;
        }
        if (classified != null && classified.kind() == KembedException.Kind.FATAL) {
            LOG.error("stream thread failed with a fatal error ({}); stopping kembed", classified.reason(), e);
            return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        }
        int n = recentCount();
        if (n > limit) {
            LOG.error("stream thread failed {} times within {} s; stopping kembed", n, windowMs / 1000, e);
            return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        }
        long pause = Math.min(maxPauseMs, initialPauseMs << Math.min(20, n - 1));
        LOG.error("stream thread failed ({} of {} allowed within {} s); replacing it in {} ms", n, limit, windowMs / 1000, pause, e);
        try {
            sleeper.sleep(pause);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        }
        return StreamThreadExceptionResponse.REPLACE_THREAD;
    }

    private static final String REGISTRY_UNAVAILABLE = "registry-unavailable";

    private StreamThreadExceptionResponse waitForRegistry(KembedException classified, Throwable e, long now) {
        synchronized (this) {
            last = "the schema registry does not answer (" + classified.getMessage() + "); the thread is replaced once it does, not counted";
            lastAtMs = now;
            registryWaits++;
        }
        LOG.warn("stream thread failed: the schema registry does not answer ({}); waiting for it, then replacing the thread "
                + "(not counted towards the limit of {})", classified.getMessage(), limit);
        long pause = initialPauseMs;
        long waited = 0;
        try {
            String down;
            while ((down = registryDown.get()) != null && waited < maxPauseMs) {
                long step = Math.min(pause, maxPauseMs - waited);
                sleeper.sleep(step);
                waited += step;
                pause *= 2;
                synchronized (this) {
                    lastAtMs = clockMs.getAsLong(); // readiness keeps saying so while the thread waits
                }
                LOG.debug("schema registry still unreachable after {} ms: {}", waited, down);
            }
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        }
        return StreamThreadExceptionResponse.REPLACE_THREAD;
    }

    /** Threads replaced after waiting for the schema registry (not counted towards the limit). */
    synchronized int registryWaits() {
        return registryWaits;
    }

    synchronized int recentCount() {
        return recent.size();
    }

    /** Null while no thread failed within the last pause window; else what readiness reports. */
    String unstable() {
        long since = clockMs.getAsLong() - lastAtMs;
        if (lastAtMs == Long.MIN_VALUE || since > maxPauseMs) {
            return null;
        }
        return "streams: a stream thread failed " + since / 1000 + " s ago (" + recentCount() + " within " + windowMs / 1000 + " s): " + last;
    }

    private static KembedException classified(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof KembedException k) {
                return k;
            }
        }
        return null;
    }
}
