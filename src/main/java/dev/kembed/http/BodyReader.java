package dev.kembed.http;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Reads a request body without holding a thread while bytes are awaited: Jetty calls back when
 * bytes arrive ({@link Request#demand}) and a timer checks the {@link BodyPace} in between, so a
 * slow client costs a socket and a buffer, never a handler thread or an in-flight permit. Either
 * keeps the body (up to a limit) or drops what it reads: the body of a refused request, read so
 * that its client, still sending, gets to read the refusal instead of a reset.
 */
final class BodyReader implements Runnable {
    /** How often the pace is checked while a body is being read. */
    private static final long CHECK_MILLIS = 250;

    enum End {
        /** The whole body arrived. */
        COMPLETE,
        /** More than the limit: reading stopped there. */
        OVER_LIMIT,
        /** Slower than the {@link BodyPace} allows. */
        TOO_SLOW,
        /** The connection failed or the client went away. */
        FAILED
    }

    /** How reading ended, the body (kept bodies that completed, else null), the bytes read and why it stopped early (or null). */
    record Outcome(End end, byte[] body, long bytes, String why) {}

    private final Request request;
    private final long limit;
    private final boolean keep;
    private final BodyPace pace;
    private final Scheduler scheduler;
    private final long startNanos = System.nanoTime();
    private final CompletableFuture<Outcome> result = new CompletableFuture<>();
    private byte[] kept;
    private long bytes;

    private BodyReader(Request request, long limit, boolean keep, BodyPace pace, Scheduler scheduler) {
        this.request = request;
        this.limit = limit;
        this.keep = keep;
        this.pace = pace;
        this.scheduler = scheduler;
    }

    /** The body, at most {@code max} bytes (a longer one ends {@link End#OVER_LIMIT} after reading at most {@code max} plus one network read). */
    static CompletableFuture<Outcome> read(Request request, int max, BodyPace pace, Scheduler scheduler) {
        long declared = request.getLength();
        BodyReader r = new BodyReader(request, max, true, pace, scheduler);
        r.kept = new byte[(int) Math.min(max, declared >= 0 ? declared : 8192)];
        return r.start();
    }

    /** Reads and drops up to {@code cap} bytes of the body; completes at its end, at the cap, or when the client is too slow. */
    static CompletableFuture<Outcome> discard(Request request, long cap, BodyPace pace, Scheduler scheduler) {
        return new BodyReader(request, cap, false, pace, scheduler).start();
    }

    private CompletableFuture<Outcome> start() {
        scheduler.schedule(this::check, CHECK_MILLIS, TimeUnit.MILLISECONDS);
        run();
        return result;
    }

    /** Jetty's demand callback: read what has arrived, then ask to be called again. */
    @Override
    public void run() {
        while (!result.isDone()) {
            Content.Chunk chunk = request.read();
            if (chunk == null) {
                request.demand(this);
                return;
            }
            if (Content.Chunk.isFailure(chunk)) {
                finish(End.FAILED, "the request body could not be read: " + chunk.getFailure());
                return;
            }
            boolean last = chunk.isLast();
            boolean over = take(chunk.getByteBuffer());
            chunk.release();
            if (over) {
                finish(End.OVER_LIMIT, null);
                return;
            }
            if (last) {
                finish(End.COMPLETE, null);
                return;
            }
        }
    }

    /** Counts (and keeps) a chunk's bytes; true once past the limit. */
    private synchronized boolean take(ByteBuffer b) {
        int n = b.remaining();
        bytes += n;
        if (bytes > limit) {
            return true;
        }
        if (keep) {
            if (bytes > kept.length) {
                kept = Arrays.copyOf(kept, (int) Math.min(limit, Math.max(bytes, 2L * kept.length)));
            }
            b.get(kept, (int) (bytes - n), n);
        }
        return false;
    }

    private void check() {
        if (result.isDone()) {
            return;
        }
        long read;
        synchronized (this) {
            read = bytes;
        }
        String why = pace.tooSlow(startNanos, System.nanoTime(), read);
        if (why != null) {
            finish(End.TOO_SLOW, why);
        } else {
            scheduler.schedule(this::check, CHECK_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    /** Completes outside the lock: what follows (answering, the engine call) must not hold up the pace timer. */
    private void finish(End end, String why) {
        Outcome o;
        synchronized (this) {
            byte[] body = end == End.COMPLETE && keep ? (bytes == kept.length ? kept : Arrays.copyOf(kept, (int) bytes)) : null;
            o = new Outcome(end, body, bytes, why);
        }
        result.complete(o);
    }
}
