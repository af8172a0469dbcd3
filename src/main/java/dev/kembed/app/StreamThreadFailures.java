package dev.kembed.app;

import dev.kembed.error.KembedException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.LongSupplier;
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
    private final Deque<Long> recent = new ArrayDeque<>();
    private volatile String last;
    private volatile long lastAtMs = Long.MIN_VALUE;

    StreamThreadFailures(int limit, long windowMs, long initialPauseMs, long maxPauseMs, LongSupplier clockMs, Sleeper sleeper) {
        this.limit = limit;
        this.windowMs = windowMs;
        this.initialPauseMs = initialPauseMs;
        this.maxPauseMs = maxPauseMs;
        this.clockMs = clockMs;
        this.sleeper = sleeper;
    }

    static StreamThreadFailures standard() {
        return new StreamThreadFailures(5, 10 * 60_000L, 1_000, 60_000, System::currentTimeMillis, Thread::sleep);
    }

    StreamThreadExceptionResponse handle(Throwable e) {
        long now = clockMs.getAsLong();
        KembedException classified = classified(e);
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
