package dev.kembed.engine.queue;

import dev.kembed.engine.EngineException;
import dev.kembed.engine.EngineWindow;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kembed.testing.FakeClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Retries, isolation and engine health, driven step by step on a fake clock: no threads, no sleeps. */
class EngineWorkersTest {
    final ScriptedEngine engine = new ScriptedEngine();
    final FakeClock clock = new FakeClock();
    final List<String> events = new ArrayList<>();
    EngineWorkers workers;
    TaskHandle task;

    final EngineListener listener = new EngineListener() {
        @Override
        public void batch(int windows, long computedTokens, int realTokens, int partitions, int tasks, long queueWaitNanos, long inferenceNanos) {
            events.add("batch " + windows);
        }

        @Override
        public void windowFailed(String reason) {
            events.add("failed " + reason);
        }

        @Override
        public void engineDown(String error) {
            events.add("down");
        }

        @Override
        public void engineUp() {
            events.add("up");
        }

        @Override
        public void engineHung(String reason) {
            events.add("hung");
        }

        @Override
        public void engineGaveUp(String reason) {
            events.add("gave up");
        }
    };

    void start(int retries) {
        workers = new EngineWorkers(engine, new WindowQueue(new BatchPolicy(100_000, 8, 0, 16), 1000), 0, retries, 100, 0, clock, listener);
        task = workers.register("t");
    }

    @AfterEach
    void close() {
        if (workers != null) {
            workers.close();
        }
    }

    static WindowJob job(String doc, int index, int length) {
        int[] ids = new int[length];
        ids[0] = 100 + index;
        return new WindowJob(doc, 1, index, new EngineWindow(ids, null, new int[length]), 0);
    }

    void runAll() {
        while (workers.step()) {
            // every unit of work due now
        }
    }

    @Test
    void aQueryNeverWaitsForQueuedDocumentWindowsNorForTheirSpace() {
        List<Long> waits = new ArrayList<>();
        workers = new EngineWorkers(engine, new WindowQueue(new BatchPolicy(64, 64, 50, 16), 4, SchedulingPolicy.FIFO, Long.MAX_VALUE), 0, 0, 100,
                1_000, clock, new EngineListener() {
                    @Override
                    public void batch(int windows, long computedTokens, int realTokens, int partitions, int tasks, long queueWaitNanos,
                            long inferenceNanos) {}

                    @Override
                    public void priorityWait(long nanos) {
                        waits.add(nanos);
                    }
                });
        task = workers.register("stream");
        for (int i = 0; i < 4; i++) {
            assertThat(workers.submit(task, job("long", i, 64))).isTrue();
        }
        assertThat(workers.offer(task, job("long", 4, 64), WaitBudget.none())).as("the document queue is full").isFalse();
        clock.advance(Duration.ofMillis(60));
        List<Completion> answers = new ArrayList<>();
        TaskHandle query = workers.registerQuery("query-1", answers::add);
        long before = clock.nanoTime();
        assertThat(workers.offer(query, job("query-1", 0, 12), WaitBudget.none())).as("a query goes to its lane, full queue or not").isTrue();
        clock.advance(Duration.ofMillis(3));
        assertThat(workers.step()).isTrue();
        assertThat(engine.batches).as("the first batch run is the query's").hasSize(1);
        assertThat(engine.batches.get(0)).singleElement().satisfies(w -> assertThat(w.length()).isEqualTo(12));
        assertThat(answers).as("handed to the query's sink on the worker, not to an inbox").singleElement()
                .satisfies(c -> assertThat(c.failed()).isFalse());
        assertThat(workers.drain(query)).isEmpty();
        assertThat(waits).containsExactly(clock.nanoTime() - before);
        runAll();
        assertThat(engine.batches).hasSize(5);
        assertThat(workers.drain(task)).hasSize(4);
    }

    @Test
    void transientFailuresAreRetriedWithBackoff() {
        start(2);
        AtomicInteger calls = new AtomicInteger();
        engine.script = b -> calls.incrementAndGet() <= 2 ? EngineException.transientFailure("busy", null) : null;
        workers.submit(task, job("d", 0, 10));
        long t0 = clock.nanoTime();
        runAll();
        assertThat(workers.drain(task)).singleElement().satisfies(c -> assertThat(c.failed()).isFalse());
        assertThat(calls.get()).isEqualTo(3);
        assertThat(clock.nanoTime() - t0).as("backoff 100 ms then 200 ms").isEqualTo(Duration.ofMillis(300).toNanos());
    }

    @Test
    void aFatalErrorIsNotRetried() {
        start(5);
        AtomicInteger windowCalls = new AtomicInteger();
        engine.script = b -> {
            if (ScriptedEngine.isHealthCheck(b)) {
                return null;
            }
            windowCalls.incrementAndGet();
            return EngineException.fatal("broken", null);
        };
        workers.submit(task, job("d", 0, 10));
        runAll();
        assertThat(windowCalls.get()).as("no retry of a non-retryable error").isEqualTo(1);
        assertThat(workers.drain(task)).singleElement().satisfies(c -> assertThat(c.reason()).isEqualTo("engine-failure"));
    }

    @Test
    void aRefusedWindowIsIsolatedAndDeadLetteredWithItsReasonWithoutTouchingHealth() {
        start(2);
        engine.script = b -> b.windows().stream().anyMatch(w -> w.inputIds()[0] == 103)
                ? EngineException.badWindow("window-too-long", "too long for this engine") : null;
        for (int i = 0; i < 6; i++) {
            workers.submit(task, job("d" + i, i, 10));
        }
        runAll();
        List<Completion> done = workers.drain(task);
        assertThat(done).hasSize(6);
        assertThat(done).filteredOn(Completion::failed).singleElement().satisfies(c -> {
            assertThat(c.job().windowIndex()).isEqualTo(3);
            assertThat(c.reason()).isEqualTo("window-too-long");
        });
        assertThat(workers.health().up()).isTrue();
        assertThat(events).doesNotContain("down").contains("failed window-too-long");
    }

    @Test
    void aWindowThatFailsWhileTheEngineServesIsPoisonAndGoesAlone() {
        start(1);
        engine.script = b -> b.windows().stream().anyMatch(w -> w.inputIds()[0] == 101)
                ? EngineException.transientFailure("device error on this input", null) : null;
        for (int i = 0; i < 4; i++) {
            workers.submit(task, job("d" + i, i, 10));
        }
        runAll();
        List<Completion> done = workers.drain(task);
        assertThat(done).hasSize(4);
        assertThat(done).filteredOn(Completion::failed).extracting(c -> c.job().docId()).containsExactly("d1");
        assertThat(workers.health().up()).isTrue();
    }

    @Test
    void aDownEngineHoldsWorkDeadLettersNothingAndRecovers() {
        start(1);
        AtomicBoolean down = new AtomicBoolean(true);
        engine.script = b -> down.get() ? EngineException.transientFailure("device lost", null) : null;
        for (int i = 0; i < 5; i++) {
            workers.submit(task, job("d" + i, i, 10));
        }
        runAll();
        assertThat(workers.health().up()).isFalse();
        assertThat(workers.health().describe()).contains("engine: down").contains("device lost");
        assertThat(workers.drain(task)).as("nothing dead-lettered while the engine is down").isEmpty();
        assertThat(workers.queued()).as("work held").isEqualTo(5);

        // pauses double: the first check is due 100 ms after going down, the next 200 ms after that
        workers.submit(task, job("late", 9, 10)); // new work does not cut the pause short
        assertThat(workers.step()).isFalse();
        clock.advance(Duration.ofMillis(99));
        assertThat(workers.step()).isFalse();
        clock.advance(Duration.ofMillis(1));
        assertThat(workers.step()).as("health check due").isTrue();
        assertThat(workers.health().up()).isFalse();
        clock.advance(Duration.ofMillis(199));
        workers.cancel(task, "d0"); // neither does a cancel
        assertThat(workers.step()).isFalse();
        assertThat(workers.queued()).isEqualTo(5);

        down.set(false);
        clock.advance(Duration.ofMillis(1));
        runAll();
        assertThat(workers.health().up()).isTrue();
        List<Completion> done = workers.drain(task);
        assertThat(done).hasSize(5).noneMatch(Completion::failed);
        assertThat(done).extracting(c -> c.job().docId()).containsExactlyInAnyOrder("d1", "d2", "d3", "d4", "late");
        assertThat(events).containsSubsequence("down", "up");
        assertThat(events).noneMatch(e -> e.startsWith("failed"));
    }

    @Test
    void anErrorFromTheEngineIsRetriedAndTheBatchIsNeverLost() {
        start(2);
        AtomicInteger calls = new AtomicInteger();
        engine.raw = b -> !ScriptedEngine.isHealthCheck(b) && calls.incrementAndGet() <= 2 ? new OutOfMemoryError("copying results") : null;
        workers.submit(task, job("d", 0, 10));
        workers.submit(task, job("e", 1, 10));
        runAll();
        assertThat(workers.drain(task)).hasSize(2).noneMatch(Completion::failed);
        assertThat(calls.get()).as("two failed calls, then the batch ran").isEqualTo(3);
        assertThat(workers.health().up()).isTrue();
    }

    @Test
    void anErrorThatPersistsWhileTheEngineServesFailsTheWindowAloneWithAReason() {
        start(1);
        engine.raw = b -> !ScriptedEngine.isHealthCheck(b) && b.windows().stream().anyMatch(w -> w.inputIds()[0] == 101)
                ? new StackOverflowError() : null;
        for (int i = 0; i < 3; i++) {
            workers.submit(task, job("d" + i, i, 10));
        }
        runAll();
        List<Completion> done = workers.drain(task);
        assertThat(done).hasSize(3);
        assertThat(done).filteredOn(Completion::failed).singleElement().satisfies(c -> {
            assertThat(c.job().docId()).isEqualTo("d1");
            assertThat(c.reason()).isEqualTo("engine-failure");
            assertThat(c.error()).contains("StackOverflowError");
        });
        assertThat(workers.health().up()).isTrue();
    }

    @Test
    void aHealthCheckThatThrowsAnErrorIsAFailedCheckAndChecksGoOn() {
        start(0);
        AtomicBoolean broken = new AtomicBoolean(true);
        engine.raw = b -> broken.get() ? new OutOfMemoryError("device heap") : null;
        workers.submit(task, job("d", 0, 10));
        runAll();
        assertThat(workers.health().up()).isFalse();
        assertThat(workers.health().describe()).contains("device heap");
        clock.advance(Duration.ofMillis(100));
        assertThat(workers.step()).as("a check is due, and it throws").isTrue();
        clock.advance(Duration.ofMillis(200));
        broken.set(false);
        assertThat(workers.step()).as("the next check runs: the flag was reset").isTrue();
        assertThat(workers.health().up()).isTrue();
        runAll();
        assertThat(workers.drain(task)).singleElement().satisfies(c -> assertThat(c.failed()).isFalse());
    }

    /** A real worker thread: a listener that throws an Error after a batch neither costs the result nor the worker. */
    @Test
    void aWorkerSurvivesAListenerThatThrowsAndDeliversEveryResult() throws Exception {
        java.util.concurrent.CountDownLatch batches = new java.util.concurrent.CountDownLatch(2);
        EngineListener broken = (w, c, r, p, tk, q, i) -> {
            batches.countDown();
            throw new AssertionError("a broken metrics listener");
        };
        workers = new EngineWorkers(engine, new WindowQueue(new BatchPolicy(16, 1, 0, 16), 1000), 1, 0, 100, 0,
                dev.kembed.engine.queue.EngineClock.SYSTEM, broken);
        task = workers.register("t");
        workers.submit(task, job("a", 0, 10));
        workers.submit(task, job("b", 1, 10));
        assertThat(batches.await(30, java.util.concurrent.TimeUnit.SECONDS)).as("two batches ran on one worker").isTrue();
        assertThat(workers.liveWorkers()).isEqualTo(1);
        assertThat(workers.workerRestarts()).isZero();
        assertThat(workers.stop(Duration.ofSeconds(30))).as("no call left running").isTrue();
        assertThat(workers.drain(task)).hasSize(2).noneMatch(Completion::failed);
    }

    @Test
    void aFullQueueWaitsOneBudgetInAllThenRefusesWithoutQueueing() {
        workers = new EngineWorkers(engine, new WindowQueue(new BatchPolicy(100_000, 8, 0, 16), 2), 0, 0, 100, 500, clock, listener);
        task = workers.register("t");
        WaitBudget budget = workers.admissionBudget();
        int admitted = 0;
        for (int i = 0; i < 30; i++) {
            if (workers.offer(task, job("d", i, 10), budget)) {
                admitted++;
            }
        }
        assertThat(admitted).isEqualTo(2);
        assertThat(workers.queued()).as("never past the bound").isEqualTo(2);
        assertThat(clock.waitedNanos()).as("one budget of 500 ms for all 28 refusals, not 500 ms each").isEqualTo(Duration.ofMillis(500).toNanos());
        assertThat(budget.remainingNanos()).isZero();
    }

    @Test
    void pausesAreCappedAt30Seconds() {
        start(0);
        engine.script = b -> EngineException.transientFailure("gone", null);
        workers.submit(task, job("d", 0, 10));
        runAll();
        for (int i = 0; i < 12; i++) {
            clock.advance(Duration.ofSeconds(30));
            assertThat(workers.step()).as("a check at most 30 s apart, round %d", i).isTrue();
        }
        assertThat(workers.health().up()).isFalse();
        assertThat(workers.drain(task)).isEmpty();
    }

    @Test
    void abandonedTasksGetNoResults() {
        start(0);
        workers.submit(task, job("d", 0, 10));
        workers.abandon(task);
        runAll();
        assertThat(engine.callSizes).isEmpty();
        assertThat(workers.drain(task)).isEmpty();
    }

    @Test
    void aStaticEngineOnlyEverSeesItsShapes() {
        engine.staticLengths = List.of(16, 64);
        engine.maxBatch = 2;
        workers = new EngineWorkers(engine, new WindowQueue(BatchPolicy.forEngine(engine.info(), 100_000, 64, 0, 0, 64), 1000), 0, 0, 10, 0,
                clock, listener);
        task = workers.register("t");
        int[] lengths = {3, 16, 17, 40, 64, 9, 12, 50, 2};
        for (int i = 0; i < lengths.length; i++) {
            workers.submit(task, job("d" + i, i, lengths[i]));
        }
        workers.submit(task, job("too-long", 99, 65));
        runAll();
        BatchPolicy p = BatchPolicy.forEngine(engine.info(), 100_000, 64, 0, 0, 64);
        assertThat(engine.batches).allSatisfy(b -> {
            assertThat(b.size()).isLessThanOrEqualTo(2);
            assertThat(b).extracting(w -> p.bucket(w.length())).containsOnly(p.bucket(b.get(0).length()));
        });
        List<Completion> done = workers.drain(task);
        assertThat(done).hasSize(lengths.length + 1);
        assertThat(done).filteredOn(Completion::failed).singleElement().satisfies(c -> assertThat(c.reason()).isEqualTo("window-too-long"));
    }

    // ---- hung engine calls: a watchdog on the fake clock, the hung call on a thread of the test's ----

    /** An engine whose batches (not its health checks) block until released while {@code hang} is set: a wedged native call. */
    static ScriptedEngine hanging(java.util.concurrent.CountDownLatch entered, java.util.concurrent.CountDownLatch release) {
        ScriptedEngine e = new ScriptedEngine();
        e.script = b -> {
            if (!ScriptedEngine.isHealthCheck(b)) {
                entered.countDown();
                try {
                    release.await();
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                }
            }
            return null;
        };
        return e;
    }

    /** Runs one step on a thread of its own (it will hang in the engine) and returns once the call is inside. */
    Thread stepInto(java.util.concurrent.CountDownLatch entered) throws InterruptedException {
        Thread t = new Thread(workers::step, "hung-worker");
        t.setDaemon(true);
        t.start();
        assertThat(entered.await(30, java.util.concurrent.TimeUnit.SECONDS)).as("the call is inside the engine").isTrue();
        return t;
    }

    @Test
    void aCallPastItsDeadlineIsAbandonedAndItsBatchRunsExactlyOnceOnAFreshEngine() throws Exception {
        var entered = new java.util.concurrent.CountDownLatch(1);
        var release = new java.util.concurrent.CountDownLatch(1);
        ScriptedEngine hung = hanging(entered, release);
        ScriptedEngine fresh = new ScriptedEngine();
        AtomicInteger opened = new AtomicInteger();
        workers = new EngineWorkers(hung, () -> {
            opened.incrementAndGet();
            return fresh;
        }, new WindowQueue(new BatchPolicy(100_000, 8, 0, 16), 1000), 0, 0, 100, 0, new CallDeadline(5_000), 2, clock, listener);
        task = workers.register("t");
        for (int i = 0; i < 3; i++) {
            workers.submit(task, job("d" + i, i, 10));
        }
        Thread stuck = stepInto(entered);

        clock.advance(Duration.ofSeconds(4));
        assertThat(workers.oldestCallSeconds()).as("the gauge: the call's age").isEqualTo(4.0);
        assertThat(workers.step()).as("within its deadline: nothing to do").isFalse();
        assertThat(workers.health().up()).isTrue();

        clock.advance(Duration.ofSeconds(1));
        assertThat(workers.step()).as("abandoned; a fresh engine is due after the first pause").isFalse();
        assertThat(workers.health().up()).isFalse();
        assertThat(workers.health().describe()).contains("engine call of 3 windows / 48 padded tokens running for 5.0 s, past its deadline of 5.0 s");
        assertThat(workers.queued()).as("the batch is back in the queue").isEqualTo(3);
        assertThat(workers.oldestCallSeconds()).as("no call is waited for any more").isZero();
        assertThat(workers.abandoned(hung)).isTrue();
        assertThat(events).containsSubsequence("hung", "down");

        clock.advance(Duration.ofMillis(100));
        assertThat(workers.step()).as("open a fresh instance and check it").isTrue();
        assertThat(opened.get()).isEqualTo(1);
        assertThat(workers.health().up()).isTrue();
        assertThat(workers.engine()).isSameAs(fresh);
        runAll();
        List<Completion> done = workers.drain(task);
        assertThat(done).hasSize(3).noneMatch(Completion::failed);
        assertThat(done).extracting(c -> c.job().docId()).containsExactlyInAnyOrder("d0", "d1", "d2");
        assertThat(fresh.batches).as("its health check, then the batch, once").extracting(List::size).containsExactly(1, 3);

        release.countDown(); // the hung call returns after all: its result must not be delivered a second time
        stuck.join(30_000);
        assertThat(stuck.isAlive()).isFalse();
        assertThat(hung.batches).as("the abandoned call did return").hasSize(1);
        assertThat(workers.drain(task)).as("and its result was dropped").isEmpty();
        assertThat(workers.queued()).isZero();
        assertThat(workers.gaveUp()).isNotDone();
        assertThat(events).containsSubsequence("hung", "down", "up");
    }

    @Test
    void aHangWithNoFreshInstanceLeftGivesUpAndHoldsTheWork() throws Exception {
        var entered1 = new java.util.concurrent.CountDownLatch(1);
        var entered2 = new java.util.concurrent.CountDownLatch(1);
        var release = new java.util.concurrent.CountDownLatch(1);
        ScriptedEngine first = hanging(entered1, release);
        ScriptedEngine second = hanging(entered2, release);
        AtomicInteger opened = new AtomicInteger();
        workers = new EngineWorkers(first, () -> {
            opened.incrementAndGet();
            return second;
        }, new WindowQueue(new BatchPolicy(100_000, 8, 0, 16), 1000), 0, 0, 100, 0, new CallDeadline(5_000), 1, clock, listener);
        task = workers.register("t");
        workers.submit(task, job("d", 0, 10));
        stepInto(entered1);
        clock.advance(Duration.ofSeconds(5));
        workers.step();
        clock.advance(Duration.ofMillis(100));
        assertThat(workers.step()).as("the fresh instance passes its check").isTrue();
        assertThat(workers.health().up()).isTrue();
        stepInto(entered2); // and hangs on the batch too
        clock.advance(Duration.ofSeconds(5));
        assertThat(workers.gaveUp()).isNotDone();
        assertThat(workers.step()).isFalse();

        assertThat(opened.get()).as("kembed.engine.hung.max.reopens=1").isEqualTo(1);
        assertThat(workers.gaveUp()).isDone();
        assertThat(workers.gaveUp().get()).contains("past its deadline of 5.0 s").contains("1 fresh engine instance opened before, at most 1");
        assertThat(workers.health().describe()).contains("given up");
        assertThat(events).containsSubsequence("hung", "down", "up", "hung", "gave up");
        clock.advance(Duration.ofMinutes(10));
        assertThat(workers.step()).as("no check runs after giving up").isFalse();
        assertThat(workers.queued()).as("held, not dead-lettered").isEqualTo(1);
        assertThat(workers.drain(task)).isEmpty();
        release.countDown();
    }

    @Test
    void theAutomaticDeadlineGrowsWithTheCallsShapeFromAGenerousFloor() {
        dev.kembed.engine.EngineInfo info = new ScriptedEngine().info(); // width 2: the 768-wide reference cost
        assertThat(Duration.ofNanos(CallDeadline.AUTO.nanos(info, 1, 16)).toMillis()).isEqualTo(60_000 + 160);
        assertThat(Duration.ofNanos(CallDeadline.AUTO.nanos(info, 1, 4096)).toMillis()).as("a Longformer window").isEqualTo(60_000 + 61_440);
        assertThat(Duration.ofNanos(new CallDeadline(2_000).nanos(info, 64, 4096)).toMillis()).as("a set timeout is the timeout").isEqualTo(2_000);
    }

    // ---- the query lane's bound and failures ----

    @Test
    void aQueryThatWouldPassTheLanesTokenBoundIsRefusedAtOnceButAnEmptyLaneTakesAny() {
        start(0);
        QueryLane lane = new QueryLane(workers, Duration.ofSeconds(1), 100);
        TaskHandle big = workers.registerQuery("big", c -> {});
        assertThat(workers.offerQuery(big, List.of(job("big", 0, 64), job("big", 1, 64), job("big", 2, 64)), 100))
                .as("192 padded tokens, more than the bound, into an empty lane: runs alone rather than never").isTrue();
        assertThat(workers.queuedQueryTokens()).isEqualTo(192);
        long before = clock.nanoTime();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> lane.run(dev.kembed.engine.WindowBatch.of(List.of(job("q", 0, 10).window()))))
                .isInstanceOf(dev.kembed.error.OverloadedException.class).hasMessageContaining("kembed.http.max.queued.tokens");
        assertThat(clock.nanoTime()).as("refused without waiting").isEqualTo(before);
        org.assertj.core.api.Assertions.assertThatThrownBy(lane::checkRoom).isInstanceOf(dev.kembed.error.OverloadedException.class);
        assertThat(workers.queuedQueryTokens()).as("nothing of the refused query was queued").isEqualTo(192);
        TaskHandle small = workers.registerQuery("small", c -> {});
        assertThat(workers.offerQuery(small, List.of(job("small", 0, 10)), 250)).as("within a larger bound").isTrue();
        assertThat(workers.queuedQueryTokens()).isEqualTo(192 + 16);
        runAll();
        assertThat(workers.queuedQueryTokens()).isZero();
        lane.checkRoom(); // room again
    }

    @Test
    void aQuerysWindowThatTheEngineFailedOnWhileItServesIsRetryableAndARefusedShapeIsBadInput() {
        EngineException failed = QueryLane.failureOf(Completion.failed(job("q", 0, 10), EngineException.ENGINE_FAILURE, "CUDA error"));
        assertThat(failed.retryable()).as("503, not 4xx: the client may retry, nothing says the input is wrong").isTrue();
        assertThat(failed.getMessage()).contains("CUDA error");
        EngineException refused = QueryLane.failureOf(Completion.failed(job("q", 0, 10), "window-too-long", "longer than every shape"));
        assertThat(refused.badInput()).isTrue();
        assertThat(refused.reason()).isEqualTo("window-too-long");
    }

    @Test
    void engineTimeIsMeasuredPerClassAroundEachCall() {
        workers = new EngineWorkers(engine, new WindowQueue(new BatchPolicy(64, 64, 0, 16), 1000, SchedulingPolicy.SHORTEST_FIRST, 60_000, 0.2),
                0, 0, 100, 0, clock, listener);
        task = workers.register("stream");
        engine.script = b -> {
            clock.advance(Duration.ofMillis(b.windows().get(0).length())); // a call takes 1 ms per token of its first window
            return null;
        };
        workers.submit(task, job("d", 0, 64));
        TaskHandle query = workers.registerQuery("q", c -> {});
        workers.offerQuery(query, List.of(job("q", 0, 10)), 1000);
        runAll();
        assertThat(workers.engineSeconds(WorkClass.QUERY)).isCloseTo(0.010, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(workers.engineSeconds(WorkClass.DOCUMENT)).isCloseTo(0.064, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(workers.enginePaddedTokens(WorkClass.QUERY)).isEqualTo(16);
        assertThat(workers.enginePaddedTokens(WorkClass.DOCUMENT)).isEqualTo(64);
    }
}
