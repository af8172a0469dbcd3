package dev.kembed.engine.queue;

import dev.kembed.engine.EngineException;
import dev.kembed.engine.EngineWindow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The queue's rules alone: pure, time passed in, no threads. */
class WindowQueueTest {
    static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    static WindowJob job(String doc, int index, int length) {
        int[] ids = new int[length];
        ids[0] = 100 + index;
        return new WindowJob(doc, 1, index, new EngineWindow(ids, null, new int[length]), 0);
    }

    static List<Integer> indexes(List<WindowQueue.Entry> batch) {
        return batch.stream().map(e -> e.job().windowIndex()).toList();
    }

    @Test
    void tokenBudgetAndMaxWindowsCapABatch() {
        WindowQueue q = new WindowQueue(new BatchPolicy(256, 100, 50, 16), 1000);
        TaskHandle t = new TaskHandle("t");
        for (int i = 0; i < 10; i++) {
            q.add(t, job("d", i, 60), 0); // bucket 64: 4 windows fit 256 padded tokens
        }
        assertThat(q.poll(0, Integer.MAX_VALUE)).hasSize(4);
        WindowQueue few = new WindowQueue(new BatchPolicy(100_000, 3, 50, 16), 1000);
        for (int i = 0; i < 7; i++) {
            few.add(t, job("d", i, 10), 0);
        }
        assertThat(few.poll(0, Integer.MAX_VALUE)).hasSize(3);
        assertThat(few.poll(0, 1)).as("a probe limit").hasSize(1);
    }

    @Test
    void aBucketWaitsForMaxWaitUnlessItIsFull() {
        WindowQueue q = new WindowQueue(new BatchPolicy(100_000, 4, 50, 16), 1000);
        TaskHandle t = new TaskHandle("t");
        q.add(t, job("d", 0, 10), 0);
        q.add(t, job("d", 1, 10), 10 * MS);
        assertThat(q.poll(49 * MS, Integer.MAX_VALUE)).as("not full, oldest waited 49 ms").isEmpty();
        assertThat(q.nextDeadline()).isEqualTo(50 * MS);
        assertThat(indexes(q.poll(50 * MS, Integer.MAX_VALUE))).containsExactly(0, 1);
        for (int i = 0; i < 4; i++) {
            q.add(t, job("d", i, 10), 100 * MS);
        }
        assertThat(q.poll(100 * MS, Integer.MAX_VALUE)).as("full: ready at once").hasSize(4);
        assertThat(q.nextDeadline()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void lengthBucketsAreNeverMixedAndTheOldestBucketGoesFirst() {
        WindowQueue q = new WindowQueue(new BatchPolicy(100_000, 100, 0, 16), 1000);
        TaskHandle t = new TaskHandle("t");
        q.add(t, job("long", 0, 40), 0);
        q.add(t, job("short", 1, 5), 1);
        q.add(t, job("long", 2, 33), 2);
        List<WindowQueue.Entry> first = q.poll(10, Integer.MAX_VALUE);
        assertThat(first).extracting(e -> q.policy().bucket(e.job().window().length())).containsOnly(48);
        assertThat(indexes(first)).containsExactly(0, 2);
        assertThat(indexes(q.poll(10, Integer.MAX_VALUE))).containsExactly(1);
    }

    @Test
    void tasksShareBatchesRoundRobin() {
        WindowQueue q = new WindowQueue(new BatchPolicy(100_000, 4, 0, 16), 1000);
        TaskHandle busy = new TaskHandle("busy");
        TaskHandle quiet = new TaskHandle("quiet");
        for (int i = 0; i < 8; i++) {
            q.add(busy, job("b", i, 10), i);
        }
        q.add(quiet, job("q", 50, 10), 100);
        List<WindowQueue.Entry> batch = q.poll(200, Integer.MAX_VALUE);
        // each owner's oldest in turn: busy, quiet, then busy again (quiet has no more)
        assertThat(batch).extracting(e -> e.owner().name() + ":" + e.job().windowIndex()).containsExactly("busy:0", "quiet:50", "busy:1", "busy:2");
        assertThat(indexes(q.poll(200, Integer.MAX_VALUE))).containsExactly(3, 4, 5, 6);
    }

    // ---- scheduling policies ----

    /** One window per call (a CPU engine's default budget: one maximal window of 64 tokens). */
    static BatchPolicy oneMaximalWindow() {
        return new BatchPolicy(64, 64, 0, 16);
    }

    @Test
    void shortestFirstServesAShortDocumentAdmittedAfterALongOnesWindows() {
        WindowQueue q = new WindowQueue(oneMaximalWindow(), 1000, SchedulingPolicy.SHORTEST_FIRST, 60_000);
        TaskHandle t = new TaskHandle("t");
        for (int i = 0; i < 10; i++) {
            q.add(t, job("long", i, 64), i * MS);
        }
        q.add(t, job("short", 100, 20), 20 * MS);
        assertThat(indexes(q.poll(30 * MS, Integer.MAX_VALUE))).as("the short document goes next").containsExactly(100);
        assertThat(indexes(q.poll(30 * MS, Integer.MAX_VALUE))).as("then the long one, oldest first").containsExactly(0);
        assertThat(q.queuedTokens(t, "long")).isEqualTo(9 * 64);
        assertThat(q.queuedTokens(t, "short")).isZero();
    }

    @Test
    void shortestFirstRanksByTheDocumentsRemainingWorkThenByAge() {
        WindowQueue q = new WindowQueue(new BatchPolicy(1_000, 2, 0, 16), 1000, SchedulingPolicy.SHORTEST_FIRST, 60_000);
        TaskHandle a = new TaskHandle("a");
        TaskHandle b = new TaskHandle("b");
        q.add(a, job("three", 0, 10), 0); // 30 tokens left in all
        q.add(a, job("three", 1, 10), 0);
        q.add(a, job("three", 2, 10), 0);
        q.add(b, job("two-old", 3, 10), 1); // 20 tokens, older
        q.add(b, job("two-old", 4, 10), 1);
        q.add(a, job("two-new", 5, 10), 2); // 20 tokens, newer
        q.add(a, job("two-new", 6, 10), 2);
        assertThat(indexes(q.poll(10, Integer.MAX_VALUE))).containsExactly(3, 4);
        assertThat(indexes(q.poll(10, Integer.MAX_VALUE))).containsExactly(5, 6);
        assertThat(indexes(q.poll(10, Integer.MAX_VALUE))).containsExactly(0, 1);
        assertThat(indexes(q.poll(10, Integer.MAX_VALUE))).as("its last window is now the shortest work").containsExactly(2);
    }

    @Test
    void theStarvationBoundPutsAnOldWindowFirstWhateverItsDocumentsSize() {
        WindowQueue q = new WindowQueue(oneMaximalWindow(), 1000, SchedulingPolicy.SHORTEST_FIRST, 100);
        TaskHandle t = new TaskHandle("t");
        q.add(t, job("long", 0, 64), 0);
        q.add(t, job("long", 1, 64), 0);
        for (int i = 0; i < 8; i++) {
            q.add(t, job("short-" + i, 10 + i, 16), 50 * MS); // four 16-token windows fit one 64-token call
        }
        assertThat(indexes(q.poll(99 * MS, Integer.MAX_VALUE))).as("99 ms: short work first").containsExactly(10, 11, 12, 13);
        assertThat(indexes(q.poll(100 * MS, Integer.MAX_VALUE))).as("100 ms: the long document's oldest window has waited its bound")
                .containsExactly(0);
        assertThat(indexes(q.poll(100 * MS, Integer.MAX_VALUE))).as("then the shortest work's turn").containsExactly(14, 15, 16, 17);
        assertThat(indexes(q.poll(100 * MS, Integer.MAX_VALUE))).as("then the starving window's").containsExactly(1);
    }

    /**
     * A long document admitted at once starves all at once; served back to back its windows would
     * hold every short document for their whole length. In turns, a short document waits at most
     * for one starving window (and the one in flight), and the long document still gets every
     * other call.
     */
    @Test
    void starvingWindowsTakeTurnsWithTheShortestWork() {
        WindowQueue q = new WindowQueue(oneMaximalWindow(), 1000, SchedulingPolicy.SHORTEST_FIRST, 100);
        TaskHandle t = new TaskHandle("t");
        for (int i = 0; i < 6; i++) {
            q.add(t, job("long", i, 64), 0);
        }
        List<String> order = new java.util.ArrayList<>();
        for (int call = 0; call < 9; call++) {
            long now = (100 + call) * MS;
            q.add(t, job("short-" + call, 100 + call, 60), now); // a short document arrives before every call
            List<WindowQueue.Entry> batch = q.poll(now, Integer.MAX_VALUE);
            order.add(batch.get(0).job().docId().startsWith("long") ? "L" : "s");
        }
        assertThat(String.join("", order)).isEqualTo("LsLsLsLsL");
        assertThat(q.queuedTokens(t, "long")).as("one long window left after 9 calls").isEqualTo(64);
    }

    /**
     * Sustained overload in one bucket whose every batch carries a starved window as filler must
     * not keep a starved window of another bucket waiting: turns alternate by what the turn was (a
     * filler riding along in a shortest-work turn does not make it a starving turn), and a starving
     * turn serves the oldest starved window of any bucket. So once a window is the oldest that has
     * waited the bound, it waits at most two turns: the shortest work's, then its own.
     */
    @Test
    void theStarvationBoundHoldsAcrossBucketsUnderSustainedOverload() {
        WindowQueue q = new WindowQueue(oneMaximalWindow(), 100_000, SchedulingPolicy.SHORTEST_FIRST, 100); // 16-token bucket: 4 a call
        TaskHandle t = new TaskHandle("t");
        java.util.Map<String, Long> waiting = new java.util.HashMap<>(); // queued and not yet served: key -> enqueued
        java.util.function.BiConsumer<WindowJob, Long> add = (job, at) -> {
            q.add(t, job, at);
            waiting.put(job.docId() + "#" + job.windowIndex(), at);
        };
        // a long document in the 16-token bucket: a few windows before, a burst after one window of the 64-token bucket
        for (int i = 0; i < 8; i++) {
            add.accept(job("filler", i, 16), (long) i); // a nanosecond apart: "the oldest" is one window
        }
        add.accept(job("stuck", 0, 64), 50 * MS);
        for (int i = 8; i < 208; i++) {
            add.accept(job("filler", i, 16), 60 * MS + i);
        }
        int passedOver = 0;
        int worst = 0;
        long stuckServedAt = -1;
        for (int ms = 170; ms < 400; ms++) { // everything above has waited its bound: the engine was busy
            long now = ms * MS;
            add.accept(job("short-" + ms, 0, 16), now); // a short document before every call: the shortest work, room for fillers
            String oldestStarved = waiting.entrySet().stream().filter(e -> now - e.getValue() >= 100 * MS)
                    .min(java.util.Map.Entry.comparingByValue()).map(java.util.Map.Entry::getKey).orElse(null);
            for (WindowQueue.Entry e : q.poll(now, Integer.MAX_VALUE)) {
                String key = e.job().docId() + "#" + e.job().windowIndex();
                assertThat(waiting.remove(key)).as("%s served once", key).isNotNull();
                if (key.equals("stuck#0")) {
                    stuckServedAt = ms;
                }
            }
            passedOver = oldestStarved != null && waiting.containsKey(oldestStarved) ? passedOver + 1 : 0;
            worst = Math.max(worst, passedOver);
        }
        assertThat(worst).as("calls in a row that passed over the oldest window past its bound").isLessThanOrEqualTo(1);
        assertThat(stuckServedAt).as("the other bucket's starved window: once the two older fillers went, the next starving turn")
                .isEqualTo(174);
    }

    @Test
    void fifoKeepsTheOldestBucketFirst() {
        WindowQueue q = new WindowQueue(oneMaximalWindow(), 1000, SchedulingPolicy.FIFO, Long.MAX_VALUE);
        TaskHandle t = new TaskHandle("t");
        for (int i = 0; i < 3; i++) {
            q.add(t, job("long", i, 64), i * MS);
        }
        q.add(t, job("short", 100, 20), 20 * MS);
        assertThat(indexes(q.poll(30 * MS, 1))).containsExactly(0);
        assertThat(indexes(q.poll(30 * MS, 1))).containsExactly(1);
        assertThat(indexes(q.poll(30 * MS, 1))).containsExactly(2);
        assertThat(indexes(q.poll(30 * MS, 1))).as("behind every window of the long document").containsExactly(100);
    }

    // ---- the priority lane (queries) ----

    static TaskHandle query(String name) {
        return new TaskHandle(name, true, c -> {});
    }

    @Test
    void aQueryGoesBeforeEveryQueuedDocumentWindowUnderEitherPolicy() {
        for (SchedulingPolicy policy : SchedulingPolicy.values()) {
            // a starvation bound of 0: under shortest-first every document window is starving, so only the lane puts the query first
            WindowQueue q = new WindowQueue(new BatchPolicy(64, 64, 50, 16), 1000, policy, policy == SchedulingPolicy.FIFO ? Long.MAX_VALUE : 50);
            TaskHandle stream = new TaskHandle("stream");
            for (int i = 0; i < 20; i++) {
                q.add(stream, job("long", i, 64), i * MS);
            }
            q.add(query("q1"), job("q1", 900, 12), 500 * MS);
            assertThat(q.nextDeadline()).as("%s: a queued query is due at once", policy).isLessThanOrEqualTo(500 * MS);
            assertThat(indexes(q.poll(500 * MS, Integer.MAX_VALUE))).as("%s: the query, not the 20 queued document windows", policy)
                    .containsExactly(900);
            assertThat(indexes(q.poll(500 * MS, Integer.MAX_VALUE))).as("%s: then the documents in their order", policy).containsExactly(0);
        }
    }

    @Test
    void queriesAreReadyAtOnceShareABatchRoundRobinAndStayOutsideTheDocumentBound() {
        WindowQueue q = new WindowQueue(new BatchPolicy(64, 64, 50, 16), 2, SchedulingPolicy.SHORTEST_FIRST, 60_000);
        TaskHandle stream = new TaskHandle("stream");
        q.add(stream, job("d", 0, 10), 0);
        q.add(stream, job("d", 1, 10), 0);
        assertThat(q.hasSpace()).isFalse();
        TaskHandle a = query("a");
        TaskHandle b = query("b");
        q.add(a, job("a", 10, 16), 0);
        q.add(a, job("a", 11, 16), 0);
        q.add(a, job("a", 12, 16), 0);
        q.add(b, job("b", 20, 16), 0);
        assertThat(q.size()).as("the document bound counts documents only").isEqualTo(2);
        assertThat(q.prioritySize()).isEqualTo(4);
        assertThat(indexes(q.poll(0, Integer.MAX_VALUE))).as("no batch wait; four 16-token windows fit a 64-token call, owners alternating")
                .containsExactly(10, 20, 11, 12);
        assertThat(q.prioritySize()).isZero();
        assertThat(q.queuedTokens(a, "a")).as("queries do not count as document work").isZero();
        q.add(b, job("b", 21, 16), 0);
        assertThat(q.abandon(b)).as("a finished or timed-out query drops what it left").isEqualTo(1);
        assertThat(q.prioritySize()).isZero();
        assertThat(q.poll(0, Integer.MAX_VALUE)).as("document windows wait their batch time again").isEmpty();
    }

    @Test
    void cpuEnginesGetOneMaximalWindowPerCallByDefault() {
        ScriptedEngine cpu = new ScriptedEngine(); // declares that batching does not help
        BatchPolicy p = BatchPolicy.forEngine(cpu.info(), 0, 64, 50, 16, 4096);
        assertThat(p.maxTokens()).isEqualTo(4096);
        assertThat(p.capacity(4096)).isEqualTo(1);
        assertThat(p.capacity(512)).as("short windows still share a call, within one window's tokens").isEqualTo(8);
        BatchPolicy window256 = BatchPolicy.forEngine(cpu.info(), 0, 64, 50, 16, 256);
        assertThat(window256.maxTokens()).as("a plan of short windows (not the model's limit) still shares calls up to the CPU minimum")
                .isEqualTo(BatchPolicy.CPU_MIN_BATCH_TOKENS).isEqualTo(2048);
        assertThat(window256.capacity(256)).isEqualTo(8);
        assertThat(BatchPolicy.forEngine(cpu.info(), 0, 64, 50, 16, 3000).maxTokens()).as("one maximal window past the minimum").isEqualTo(3008);
        assertThat(BatchPolicy.forEngine(cpu.info(), 16384, 64, 50, 16, 4096).maxTokens()).as("an explicit budget stays").isEqualTo(16384);
        ScriptedEngine gpu = new ScriptedEngine();
        gpu.staticLengths = List.of(512, 4096);
        gpu.maxBatch = 8;
        assertThat(BatchPolicy.forEngine(gpu.info(), 0, 64, 50, 0, 4096).maxTokens()).as("a full static batch").isEqualTo(8 * 4096);
    }

    /** A model without a band (BERT as the hub ships it) pads to the batch's longest: windows within 8 tokens share a batch. */
    @Test
    void fullAttentionModelsBucketBy8TokensNotByExactLength() {
        ScriptedEngine bert = new ScriptedEngine();
        bert.padMultiple = 1;
        BatchPolicy p = BatchPolicy.forEngine(bert.info(), 0, 64, 50, 0, 256);
        assertThat(p.bucketTokens()).isEqualTo(BatchPolicy.FULL_ATTENTION_BUCKET).isEqualTo(8);
        assertThat(List.of(p.bucket(3), p.bucket(8), p.bucket(9), p.bucket(250))).containsExactly(8, 8, 16, 256);
        assertThat(p.capacity(64)).as("2048 tokens of 64-token windows").isEqualTo(32);
        assertThat(BatchPolicy.forEngine(bert.info(), 0, 64, 50, 32, 256).bucketTokens()).as("an explicit width wins").isEqualTo(32);
        ScriptedEngine banded = new ScriptedEngine();
        assertThat(BatchPolicy.forEngine(banded.info(), 0, 64, 50, 0, 256).bucketTokens()).as("a band keeps its multiple").isEqualTo(16);
    }

    @Test
    void cancelAbandonAndAdmission() {
        WindowQueue q = new WindowQueue(new BatchPolicy(100_000, 100, 0, 16), 3);
        TaskHandle a = new TaskHandle("a");
        TaskHandle b = new TaskHandle("b");
        q.add(a, job("x", 0, 10), 0);
        q.add(a, job("y", 1, 10), 0);
        assertThat(q.hasSpace()).isTrue();
        q.add(b, job("z", 2, 10), 0);
        assertThat(q.hasSpace()).isFalse();
        assertThat(q.cancel(a, "x")).isEqualTo(1);
        assertThat(q.abandon(b)).isEqualTo(1);
        assertThat(q.size()).isEqualTo(1);
        assertThat(indexes(q.poll(0, 10))).containsExactly(1);
        assertThat(q.size()).isZero();
    }

    @Test
    void putBackKeepsOrderAndSkipsClosedOwners() {
        WindowQueue q = new WindowQueue(new BatchPolicy(100_000, 100, 0, 16), 100);
        TaskHandle a = new TaskHandle("a");
        TaskHandle closed = new TaskHandle("closed");
        q.add(a, job("d", 5, 10), 0);
        List<WindowQueue.Entry> taken = List.of(new WindowQueue.Entry(a, job("d", 1, 10), 0), new WindowQueue.Entry(a, job("d", 2, 10), 0),
                new WindowQueue.Entry(closed, job("c", 3, 10), 0));
        closed.close();
        q.putBack(taken);
        assertThat(indexes(q.poll(0, 10))).containsExactly(1, 2, 5);
    }

    @Test
    void staticEngineLengthsAreTheOnlyBuckets() {
        ScriptedEngine e = new ScriptedEngine();
        e.staticLengths = List.of(128, 32);
        e.maxBatch = 2;
        BatchPolicy p = BatchPolicy.forEngine(e.info(), 100_000, 64, 0, 0, 128);
        assertThat(p.bucket(3)).isEqualTo(32);
        assertThat(p.bucket(33)).isEqualTo(128);
        assertThat(p.capacity(32)).isEqualTo(2);
        assertThatThrownBy(() -> p.bucket(129)).isInstanceOf(EngineException.class).hasMessageContaining("largest shape 128");
        assertThat(p.underfills(2)).isNull();
        BatchPolicy tight = BatchPolicy.forEngine(e.info(), 200, 64, 0, 0, 128);
        assertThat(tight.underfills(2)).isEqualTo("holds 1 windows of the 128-token bucket, but the engine runs 2 per call "
                + "(the rest are filler rows); 256 tokens fill every bucket");
    }

    // ---- documents' share under a query flood ----

    /** What a run of polls gave each class: padded tokens, batches, and the most document batches any query window waited for. */
    record Served(long documentTokens, long queryTokens, int documentBatches, int queryBatches, int mostDocumentBatchesAQueryWaited,
            boolean documentsTwiceInARow) {
        double documentShare() {
            return documentTokens / (double) (documentTokens + queryTokens);
        }
    }

    /**
     * {@code turns} polls on a queue that always has document windows of {@code docLength} queued (if {@code documents}) and,
     * if {@code queries}, one query's windows of {@code queryLength} waiting in the lane (a new query as soon as the last left).
     */
    static Served run(WindowQueue q, int turns, boolean documents, int docLength, boolean queries, int queryLength, int queryWindows) {
        TaskHandle stream = new TaskHandle("stream");
        long docTokens = 0, queryTokens = 0;
        int docBatches = 0, queryBatches = 0, docsSinceQuery = 0, worst = 0, next = 0;
        boolean lastDocs = false, twice = false;
        TaskHandle query = null;
        for (int turn = 0; turn < turns; turn++) {
            long now = turn * MS;
            while (documents && q.size() < 8) {
                q.add(stream, job("doc-" + next, next++, docLength), now);
            }
            if (queries && q.prioritySize() == 0) {
                query = query("q" + turn);
                for (int w = 0; w < queryWindows; w++) {
                    q.add(query, job("q" + turn, w, queryLength), now);
                }
                docsSinceQuery = 0;
            }
            List<WindowQueue.Entry> batch = q.poll(now, Integer.MAX_VALUE);
            assertThat(batch).as("turn %d: something is always ready", turn).isNotEmpty();
            long padded = batch.stream().mapToLong(e -> q.policy().bucket(e.job().window().length())).sum();
            boolean docs = !batch.get(0).owner().priority();
            assertThat(batch).as("a batch is one class").allMatch(e -> e.owner().priority() != docs);
            if (docs) {
                docTokens += padded;
                docBatches++;
                docsSinceQuery++;
                twice |= lastDocs && q.prioritySize() > 0;
            } else {
                queryTokens += padded;
                queryBatches++;
                worst = Math.max(worst, docsSinceQuery);
                docsSinceQuery = 0;
            }
            lastDocs = docs;
        }
        return new Served(docTokens, queryTokens, docBatches, queryBatches, worst, twice);
    }

    /** One 64-token window per batch (a CPU engine's default: one maximal window), batches ready at once. */
    static WindowQueue shared(double share) {
        return new WindowQueue(oneMaximalWindow(), 1000, SchedulingPolicy.SHORTEST_FIRST, 60_000, share);
    }

    @Test
    void underASustainedQueryFloodDocumentsGetTheirShareWithinOneBatchAndAQueryWaitsAtMostOneDocumentBatch() {
        Served s = run(shared(0.2), 1000, true, 64, true, 64, 3);
        assertThat(Math.abs(0.2 * (s.documentTokens() + s.queryTokens()) - s.documentTokens())).as("documents' tokens vs 20%% of all: %s", s)
                .isLessThan(64);
        assertThat(s.documentShare()).isBetween(0.19, 0.21);
        assertThat(s.mostDocumentBatchesAQueryWaited()).as("a query waits for at most one document batch").isLessThanOrEqualTo(1);
        assertThat(s.documentsTwiceInARow()).as("never two document batches while a query waits").isFalse();

        Served half = run(shared(0.5), 1000, true, 64, true, 64, 3);
        assertThat(half.documentShare()).isBetween(0.49, 0.51);
        assertThat(half.mostDocumentBatchesAQueryWaited()).isLessThanOrEqualTo(1);

        Served strict = run(shared(0), 1000, true, 64, true, 64, 3);
        assertThat(strict.documentTokens()).as("share 0: queries always first, as before the setting").isZero();
    }

    @Test
    void theShareIsOfPaddedTokensWhateverTheBatchesHold() {
        // documents in full 64-token windows, one per call; queries of four 10-token windows, all in one call (bucket 16, 4 x 16 = 64)
        Served s = run(shared(0.2), 1000, true, 64, true, 10, 4);
        assertThat(s.documentShare()).as("%s", s).isBetween(0.19, 0.21);
        // short documents (bucket 16: four per call) against full query windows
        Served shortDocs = run(shared(0.2), 1000, true, 16, true, 64, 2);
        assertThat(shortDocs.documentShare()).as("%s", shortDocs).isBetween(0.19, 0.21);
        assertThat(shortDocs.mostDocumentBatchesAQueryWaited()).isLessThanOrEqualTo(1);
    }

    @Test
    void withoutQueriesDocumentsGetEverythingAndWithoutDocumentsQueriesDo() {
        Served docsOnly = run(shared(0.2), 200, true, 64, false, 0, 0);
        assertThat(docsOnly.queryBatches()).isZero();
        assertThat(docsOnly.documentBatches()).isEqualTo(200);
        Served queriesOnly = run(shared(0.2), 200, false, 0, true, 64, 3);
        assertThat(queriesOnly.documentBatches()).isZero();
        assertThat(queriesOnly.queryBatches()).isEqualTo(200);
    }

    @Test
    void timeWithOneClassAloneBanksNothing() {
        WindowQueue q = shared(0.2);
        run(q, 500, false, 0, true, 64, 3); // queries alone for 500 batches: documents are owed nothing for it
        Served after = run(q, 10, true, 64, true, 64, 3);
        assertThat(after.documentsTwiceInARow()).as("documents arriving after a query-only hour get no burst").isFalse();
        assertThat(after.documentBatches()).as("their share of ten batches: %s", after).isBetween(1, 3);

        WindowQueue d = shared(0.2);
        run(d, 500, true, 64, false, 0, 0); // documents alone: queries owe nothing for it
        TaskHandle stream = new TaskHandle("stream2");
        d.add(stream, job("late", 0, 64), 0);
        d.add(query("q"), job("q", 900, 64), 600 * MS);
        assertThat(indexes(d.poll(600 * MS, Integer.MAX_VALUE))).as("a query after an hour of documents goes first").containsExactly(900);
    }

    @Test
    void aQueryWaitsForNoDocumentWindowThatIsNotReadyYet() {
        // a 50 ms batch wait: a document bucket that is neither full nor old enough is not waiting, so it is owed nothing
        WindowQueue q = new WindowQueue(new BatchPolicy(256, 64, 50, 16), 1000, SchedulingPolicy.SHORTEST_FIRST, 60_000, 1.0);
        TaskHandle stream = new TaskHandle("stream");
        q.add(stream, job("d", 0, 10), 0);
        q.add(query("q1"), job("q1", 900, 12), 0);
        assertThat(indexes(q.poll(10 * MS, Integer.MAX_VALUE))).containsExactly(900);
        q.add(query("q2"), job("q2", 901, 12), 10 * MS);
        assertThat(indexes(q.poll(20 * MS, Integer.MAX_VALUE))).as("still not ready: even a share of 1 owes nothing").containsExactly(901);
        q.add(query("q3"), job("q3", 902, 12), 60 * MS);
        assertThat(indexes(q.poll(60 * MS, Integer.MAX_VALUE))).as("ready now, but owed only after a contended query batch").containsExactly(902);
        q.add(query("q4"), job("q4", 903, 12), 60 * MS);
        assertThat(indexes(q.poll(60 * MS, Integer.MAX_VALUE))).as("share 1: documents first once both wait").containsExactly(0);
    }

    @Test
    void theLaneCountsItsPaddedTokens() {
        WindowQueue q = shared(0.2);
        TaskHandle a = query("a");
        q.add(a, job("a", 0, 10), 0); // bucket 16
        q.add(a, job("a", 1, 40), 0); // bucket 48
        assertThat(q.laneTokens()).isEqualTo(64);
        q.poll(0, 1);
        assertThat(q.laneTokens()).as("the oldest left").isIn(16L, 48L);
        q.add(a, job("a", 2, 64), 0);
        q.abandon(a);
        assertThat(q.laneTokens()).isZero();
        assertThatThrownBy(() -> new WindowQueue(oneMaximalWindow(), 10, SchedulingPolicy.FIFO, Long.MAX_VALUE, 1.5))
                .hasMessageContaining("from 0 to 1");
    }
}
