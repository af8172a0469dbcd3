package dev.kembed.stream;

import dev.kembed.engine.BatchPolicy;
import dev.kembed.engine.BatchingQueue;
import dev.kembed.engine.Completion;
import dev.kembed.engine.WindowJob;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kembed.engine.BatchResult;
import dev.kembed.engine.EmbeddingEngine;
import dev.kembed.engine.EngineException;
import dev.kembed.engine.EngineInfo;
import dev.kembed.engine.EngineWindow;
import dev.kembed.engine.WindowBatch;
import dev.kembed.engine.WindowResult;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The batching queue alone, against an engine that records what it is given. */
class BatchingQueueTest {
    /** Records batches; can be held shut to simulate a busy engine; can fail on a marker token. */
    static final class RecordingEngine implements EmbeddingEngine {
        final List<List<EngineWindow>> batches = Collections.synchronizedList(new ArrayList<>());
        volatile CountDownLatch gate = new CountDownLatch(0);
        final AtomicInteger calls = new AtomicInteger();

        @Override
        public EngineInfo info() {
            return new EngineInfo("fake", "fake", "0", 2, 4096, 16, false, 1, 0, 2);
        }

        @Override
        public BatchResult embed(WindowBatch batch) {
            calls.incrementAndGet();
            try {
                gate.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            for (EngineWindow w : batch.windows()) {
                if (w.inputIds()[0] == 666) {
                    throw new EngineException("poisoned window", true, null);
                }
            }
            batches.add(batch.windows());
            List<WindowResult> rs = new ArrayList<>();
            for (EngineWindow w : batch.windows()) {
                rs.add(new WindowResult(new float[] {w.inputIds()[0], w.length()}, new float[2], w.length(), null));
            }
            return new BatchResult(rs, 1000, batch.maxLength());
        }

        @Override
        public void close() {}
    }

    final RecordingEngine engine = new RecordingEngine();
    BatchingQueue queue;

    @AfterEach
    void close() {
        engine.gate = new CountDownLatch(0);
        if (queue != null) {
            queue.close();
        }
    }

    static WindowJob job(String doc, int index, int length, int partition) {
        int[] ids = new int[length];
        ids[0] = index;
        return new WindowJob(doc, 1, index, new EngineWindow(ids, null, new int[length]), partition);
    }

    static List<Completion> awaitCompletions(BatchingQueue q, BatchingQueue.TaskHandle h, int n) throws InterruptedException {
        List<Completion> got = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (got.size() < n && System.nanoTime() < deadline) {
            got.addAll(q.drain(h));
            Thread.sleep(2);
        }
        return got;
    }

    @Test
    void tokenBudgetCapsWindowsPerBatch() throws Exception {
        // budget 256 padded tokens, 64-token bucket -> 4 windows per batch
        queue = new BatchingQueue(engine, new BatchPolicy(256, 100, 50, 16), 1000, 100, 1, 0, 0, BatchingQueue.Listener.NONE);
        engine.gate = new CountDownLatch(1);
        BatchingQueue.TaskHandle h = queue.register("t0");
        for (int i = 0; i < 10; i++) {
            queue.submit(h, job("d", i, 60, 0));
        }
        engine.gate.countDown();
        assertThat(awaitCompletions(queue, h, 10)).hasSize(10);
        for (List<EngineWindow> b : engine.batches) {
            assertThat(b.size() * 64).isLessThanOrEqualTo(256);
        }
        assertThat(engine.batches.stream().mapToInt(List::size).max().orElse(0)).isEqualTo(4);
    }

    @Test
    void maxWindowsCapsBatches() throws Exception {
        queue = new BatchingQueue(engine, new BatchPolicy(100_000, 3, 50, 16), 1000, 100, 1, 0, 0, BatchingQueue.Listener.NONE);
        engine.gate = new CountDownLatch(1);
        BatchingQueue.TaskHandle h = queue.register("t0");
        for (int i = 0; i < 7; i++) {
            queue.submit(h, job("d", i, 10, 0));
        }
        engine.gate.countDown();
        awaitCompletions(queue, h, 7);
        assertThat(engine.batches).allSatisfy(b -> assertThat(b.size()).isLessThanOrEqualTo(3));
    }

    @Test
    void lengthBucketsAreNeverMixed() throws Exception {
        queue = new BatchingQueue(engine, new BatchPolicy(100_000, 100, 30, 16), 1000, 100, 1, 0, 0, BatchingQueue.Listener.NONE);
        engine.gate = new CountDownLatch(1);
        BatchingQueue.TaskHandle h = queue.register("t0");
        int[] lengths = {5, 300, 7, 290, 16, 17, 4000};
        for (int i = 0; i < lengths.length; i++) {
            queue.submit(h, job("d", i, lengths[i], 0));
        }
        engine.gate.countDown();
        awaitCompletions(queue, h, lengths.length);
        BatchPolicy p = new BatchPolicy(100_000, 100, 30, 16);
        for (List<EngineWindow> b : engine.batches) {
            assertThat(b.stream().map(w -> p.bucket(w.length())).distinct()).hasSize(1);
        }
        // 5, 7 and 16 share the 16 bucket; 300 (304) and 290 (304) share one; 17 -> 32; 4000 -> 4000
        assertThat(engine.batches).hasSize(4);
    }

    @Test
    void aLoneWindowWaitsForMaxWaitThenRuns() throws Exception {
        queue = new BatchingQueue(engine, new BatchPolicy(100_000, 100, 300, 16), 1000, 100, 1, 0, 0, BatchingQueue.Listener.NONE);
        BatchingQueue.TaskHandle h = queue.register("t0");
        long t0 = System.nanoTime();
        queue.submit(h, job("d", 0, 10, 0));
        Thread.sleep(150);
        assertThat(engine.calls.get()).as("not before max wait").isZero();
        List<Completion> c = awaitCompletions(queue, h, 1);
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertThat(c).hasSize(1);
        assertThat(ms).isBetween(290L, 3000L);
    }

    @Test
    void aFullBatchDoesNotWaitForMaxWait() throws Exception {
        queue = new BatchingQueue(engine, new BatchPolicy(64, 100, 60_000, 16), 1000, 100, 1, 0, 0, BatchingQueue.Listener.NONE);
        BatchingQueue.TaskHandle h = queue.register("t0");
        for (int i = 0; i < 4; i++) {
            queue.submit(h, job("d", i, 16, 0));
        }
        assertThat(awaitCompletions(queue, h, 4)).hasSize(4);
    }

    @Test
    void oneBusyTaskDoesNotStarveAnother() throws Exception {
        List<int[]> batchOwners = Collections.synchronizedList(new ArrayList<>());
        BatchingQueue.Listener l = (w, len, r, parts, tasks, q, i) -> batchOwners.add(new int[] {parts, tasks});
        queue = new BatchingQueue(engine, new BatchPolicy(4 * 16, 100, 20, 16), 10_000, 100, 1, 0, 0, l);
        engine.gate = new CountDownLatch(1);
        BatchingQueue.TaskHandle busy = queue.register("busy");
        BatchingQueue.TaskHandle quiet = queue.register("quiet");
        for (int i = 0; i < 200; i++) {
            queue.submit(busy, job("big", i, 16, 0));
        }
        queue.submit(quiet, job("small", 0, 15, 1)); // same 16-token bucket, recognisable by its length
        engine.gate.countDown();
        List<Completion> q = awaitCompletions(queue, quiet, 1);
        assertThat(q).hasSize(1);
        // the engine may already hold one all-busy batch; the next batch it cuts carries the quiet window
        int quietBatch = -1;
        for (int b = 0; b < engine.batches.size() && quietBatch < 0; b++) {
            if (engine.batches.get(b).stream().anyMatch(w -> w.length() == 15)) {
                quietBatch = b;
            }
        }
        assertThat(quietBatch).as("batch index of the quiet task's window (of 50 batches)").isBetween(0, 1);
        assertThat(batchOwners.get(quietBatch)).containsExactly(2, 2);
        awaitCompletions(queue, busy, 200);
    }

    @Test
    void backpressureBoundsQueuedWindowsAndWaitIsBounded() throws Exception {
        AtomicInteger overflows = new AtomicInteger();
        BatchingQueue.Listener l = new BatchingQueue.Listener() {
            @Override
            public void batch(int w, int p, int r, int parts, int t, long q, long i) {}

            @Override
            public void overflow() {
                overflows.incrementAndGet();
            }
        };
        queue = new BatchingQueue(engine, new BatchPolicy(16, 1, 0, 16), 5, 200, 1, 0, 0, l);
        engine.gate = new CountDownLatch(1); // engine stuck on the first batch
        BatchingQueue.TaskHandle h = queue.register("t0");
        for (int i = 0; i < 6; i++) { // 1 taken by the engine + 5 queued = full
            queue.submit(h, job("d", i, 10, 0));
        }
        Thread.sleep(50);
        assertThat(queue.queued()).isEqualTo(5);
        long t0 = System.nanoTime();
        queue.submit(h, job("d", 99, 10, 0)); // waits for space, gives up after 200 ms
        long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertThat(waited).isBetween(190L, 2000L);
        assertThat(overflows.get()).isEqualTo(1);
        engine.gate.countDown();
        assertThat(awaitCompletions(queue, h, 7)).hasSize(7);
    }

    @Test
    void submitterBlockedOnAFullQueueResumesWhenSpaceFrees() throws Exception {
        queue = new BatchingQueue(engine, new BatchPolicy(16, 1, 0, 16), 2, 5_000, 1, 0, 0, BatchingQueue.Listener.NONE);
        engine.gate = new CountDownLatch(1);
        BatchingQueue.TaskHandle h = queue.register("t0");
        for (int i = 0; i < 3; i++) {
            queue.submit(h, job("d", i, 10, 0));
        }
        Thread release = new Thread(() -> {
            try {
                Thread.sleep(300);
            } catch (InterruptedException ignored) {
                return;
            }
            engine.gate.countDown();
        });
        release.start();
        long t0 = System.nanoTime();
        queue.submit(h, job("d", 3, 10, 0));
        long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertThat(waited).isBetween(250L, 4_000L);
        assertThat(awaitCompletions(queue, h, 4)).hasSize(4);
    }

    @Test
    void abandonedTaskWorkIsDroppedAndLateResultsDiscarded() throws Exception {
        queue = new BatchingQueue(engine, new BatchPolicy(16, 1, 0, 16), 1000, 100, 1, 0, 0, BatchingQueue.Listener.NONE);
        engine.gate = new CountDownLatch(1);
        BatchingQueue.TaskHandle gone = queue.register("gone");
        BatchingQueue.TaskHandle stays = queue.register("stays");
        for (int i = 0; i < 5; i++) {
            queue.submit(gone, job("g", i, 10, 0));
        }
        queue.submit(stays, job("s", 0, 10, 1));
        Thread.sleep(50); // the engine holds one "gone" window in flight
        queue.abandon(gone);
        engine.gate.countDown();
        assertThat(awaitCompletions(queue, stays, 1)).hasSize(1);
        Thread.sleep(100);
        assertThat(queue.drain(gone)).isEmpty();
        assertThat(engine.batches.stream().flatMap(List::stream).filter(w -> w.length() == 10).count())
                .as("at most the in-flight window of the abandoned task ran").isLessThanOrEqualTo(2);
        queue.submit(gone, job("g", 9, 10, 0));
        assertThat(queue.queued()).as("a closed handle accepts nothing").isZero();
    }

    @Test
    void failingWindowIsIsolatedAndReportedAfterRetries() throws Exception {
        queue = new BatchingQueue(engine, new BatchPolicy(1000, 10, 20, 16), 1000, 100, 1, 2, 1, BatchingQueue.Listener.NONE);
        engine.gate = new CountDownLatch(1);
        BatchingQueue.TaskHandle h = queue.register("t0");
        queue.submit(h, job("ok", 1, 10, 0));
        WindowJob bad = new WindowJob("bad", 1, 0, new EngineWindow(new int[] {666, 0, 0}, null, new int[3]), 0);
        queue.submit(h, bad);
        queue.submit(h, job("ok", 2, 10, 0));
        engine.gate.countDown();
        List<Completion> c = awaitCompletions(queue, h, 3);
        assertThat(c).hasSize(3);
        assertThat(c.stream().filter(Completion::failed).map(x -> x.job().docId())).containsExactly("bad");
        assertThat(c.stream().filter(Completion::failed).findFirst().orElseThrow().error()).contains("poisoned");
    }

    @Test
    void anEngineThatIsDownHoldsWorkInsteadOfFailingEveryDocument() throws Exception {
        java.util.concurrent.atomic.AtomicBoolean down = new java.util.concurrent.atomic.AtomicBoolean(true);
        EmbeddingEngine flaky = new EmbeddingEngine() {
            @Override
            public EngineInfo info() {
                return engine.info();
            }

            @Override
            public BatchResult embed(WindowBatch batch) {
                if (down.get()) {
                    throw new EngineException("device lost", true, null);
                }
                return engine.embed(batch);
            }

            @Override
            public void close() {}
        };
        queue = new BatchingQueue(flaky, new BatchPolicy(1000, 10, 5, 16), 1000, 100, 1, 0, 1, BatchingQueue.Listener.NONE);
        BatchingQueue.TaskHandle h = queue.register("t0");
        for (int i = 0; i < 10; i++) {
            queue.submit(h, job("doc-" + i, 0, 10, 0));
        }
        Thread.sleep(500);
        List<Completion> early = queue.drain(h);
        assertThat(early).as("only the first failures, before the engine counts as down, are reported").hasSizeLessThan(BatchingQueue.ENGINE_DOWN_AFTER);
        assertThat(queue.engineDown()).isTrue();
        assertThat(queue.queued()).as("the rest is held, not dropped").isGreaterThanOrEqualTo(10 - BatchingQueue.ENGINE_DOWN_AFTER);
        down.set(false);
        List<Completion> later = awaitCompletions(queue, h, 10 - early.size());
        assertThat(later).hasSize(10 - early.size()).noneMatch(Completion::failed);
        assertThat(queue.engineDown()).isFalse();
    }

    @Test
    void poisonWindowsCannotWedgeTheQueue() throws Exception {
        // three poisoned windows in a row look like an outage; the healthy windows behind them must
        // still run, and each poisoned one must still end up reported (dead-lettered), not retried forever
        queue = new BatchingQueue(engine, new BatchPolicy(1000, 10, 5, 16), 1000, 100, 1, 0, 1, BatchingQueue.Listener.NONE);
        BatchingQueue.TaskHandle h = queue.register("t0");
        for (int i = 0; i < 4; i++) {
            queue.submit(h, new WindowJob("bad-" + i, 1, 0, new EngineWindow(new int[] {666, 0, 0}, null, new int[3]), 0));
        }
        for (int i = 0; i < 6; i++) {
            queue.submit(h, job("good-" + i, i, 10, 0));
        }
        List<Completion> all = awaitCompletions(queue, h, 10);
        assertThat(all).hasSize(10);
        assertThat(all.stream().filter(Completion::failed).map(c -> c.job().docId())).containsExactlyInAnyOrder("bad-0", "bad-1", "bad-2", "bad-3");
        assertThat(all.stream().filter(c -> !c.failed()).count()).isEqualTo(6);
    }

    @Test
    void cancellingADocumentDropsOnlyItsQueuedWindows() throws Exception {
        queue = new BatchingQueue(engine, new BatchPolicy(16, 1, 0, 16), 1000, 100, 1, 0, 0, BatchingQueue.Listener.NONE);
        engine.gate = new CountDownLatch(1);
        BatchingQueue.TaskHandle h = queue.register("t0");
        queue.submit(h, job("first", 0, 10, 0)); // taken by the engine, held at the gate
        Thread.sleep(50);
        for (int i = 0; i < 3; i++) {
            queue.submit(h, job("old-version", i, 10, 0));
            queue.submit(h, job("other", i, 10, 0));
        }
        queue.cancel(h, "old-version");
        assertThat(queue.queued()).isEqualTo(3);
        engine.gate.countDown();
        List<Completion> done = awaitCompletions(queue, h, 4);
        assertThat(done).extracting(c -> c.job().docId()).containsExactlyInAnyOrder("first", "other", "other", "other");
    }
}
