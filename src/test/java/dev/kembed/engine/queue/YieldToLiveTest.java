package dev.kembed.engine.queue;

import static dev.kembed.engine.queue.EngineWorkersTest.job;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kembed.engine.EngineException;
import dev.kembed.testing.FakeClock;
import dev.kembed.testing.IntegrationTest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A rollout's workers yielding to the live workers ({@link LiveWork}, {@link YieldToLive}): step by
 * step on a fake clock, then once with real threads and slow engines.
 */
class YieldToLiveTest {
    final ScriptedEngine liveEngine = new ScriptedEngine();
    final ScriptedEngine rolloutEngine = new ScriptedEngine();
    final FakeClock clock = new FakeClock();
    /** Engine calls of both engines, in the order they started ("live d0", "rollout r1"). */
    final List<String> calls = Collections.synchronizedList(new ArrayList<>());
    final List<String> rolloutEvents = Collections.synchronizedList(new ArrayList<>());
    final List<EngineWorkers> opened = new ArrayList<>();

    final EngineListener rolloutListener = new EngineListener() {
        @Override
        public void batch(int windows, long computedTokens, int realTokens, int partitions, int tasks, long queueWaitNanos, long inferenceNanos) {
            rolloutEvents.add("batch " + windows);
        }

        @Override
        public void engineDown(String error) {
            rolloutEvents.add("down");
        }

        @Override
        public void engineHung(String reason) {
            rolloutEvents.add("hung");
        }
    };

    @AfterEach
    void close() {
        opened.forEach(EngineWorkers::close);
    }

    EngineWorkers live(int threads, EngineClock clock) {
        return keep(new EngineWorkers(liveEngine, new WindowQueue(new BatchPolicy(100_000, 8, 0, 16), 1000), threads, 0, 100, 0, clock,
                EngineListener.NONE));
    }

    /** One window of up to 16 tokens per batch: the rollout's one maximal window. */
    EngineWorkers rollout(LiveWork yieldTo, int threads, EngineClock clock, CallDeadline deadline) {
        return keep(new EngineWorkers(rolloutEngine, null, new WindowQueue(new BatchPolicy(16, 8, 0, 16), 1000), threads, 0, 100, 0, deadline, 0,
                clock, rolloutListener, yieldTo));
    }

    EngineWorkers rollout(LiveWork yieldTo) {
        return rollout(yieldTo, 0, clock, CallDeadline.AUTO);
    }

    private EngineWorkers keep(EngineWorkers w) {
        opened.add(w);
        return w;
    }

    /** Both engines log their calls by the first window's document; {@code during} runs inside each rollout call. */
    void logCalls(Runnable duringRollout) {
        liveEngine.script = b -> {
            calls.add("live " + docOf(b.windows().get(0).inputIds()[0]));
            return null;
        };
        rolloutEngine.script = b -> {
            calls.add("rollout " + docOf(b.windows().get(0).inputIds()[0]));
            duringRollout.run();
            return null;
        };
    }

    /** job(doc, index, ...) puts 100 + index in the first id. */
    private static String docOf(int firstId) {
        return "w" + (firstId - 100);
    }

    static void runAll(EngineWorkers w) {
        while (w.step()) {
            // every unit of work due now
        }
    }

    @Test
    void busyIsQueuedOrRunningWorkOfAnyClassAndIdleIsSignalledOnceWhenItEnds() {
        EngineWorkers live = live(0, clock);
        AtomicInteger idle = new AtomicInteger();
        LiveWork.Registration reg = live.onIdle(idle::incrementAndGet);
        assertThat(live.busy()).isFalse();

        TaskHandle task = live.register("t");
        live.submit(task, job("d", 0, 10));
        assertThat(live.busy()).as("a queued document window").isTrue();
        List<Boolean> busyInCall = new ArrayList<>();
        liveEngine.script = b -> {
            busyInCall.add(live.busy());
            return null;
        };
        assertThat(live.step()).isTrue();
        assertThat(busyInCall).as("while its batch runs, with nothing queued").containsExactly(true);
        assertThat(live.busy()).isFalse();
        assertThat(idle.get()).isEqualTo(1);

        TaskHandle query = live.registerQuery("q", c -> {});
        assertThat(live.offerQuery(query, List.of(job("q", 0, 8)), 1_000)).isTrue();
        assertThat(live.busy()).as("a queued query window").isTrue();
        live.abandon(query);
        assertThat(live.busy()).as("emptied by the query's end").isFalse();
        assertThat(idle.get()).isEqualTo(2);

        reg.close();
        live.submit(task, job("d", 1, 10));
        runAll(live);
        assertThat(idle.get()).as("no calls once the registration is closed").isEqualTo(2);
    }

    @Test
    void rolloutWorkWaitsWhileLiveWorkIsQueuedAndRunsOnceLiveIsIdle() {
        logCalls(() -> {});
        EngineWorkers live = live(0, clock);
        EngineWorkers rollout = rollout(live);
        TaskHandle liveTask = live.register("live");
        TaskHandle rolloutTask = rollout.register("rollout");
        for (int i = 0; i < 3; i++) {
            rollout.submit(rolloutTask, job("r", i, 10));
        }
        live.submit(liveTask, job("d", 7, 10));

        assertThat(rollout.step()).as("live has a window queued").isFalse();
        clock.advance(Duration.ofSeconds(5));
        assertThat(rollout.step()).as("however long it waits").isFalse();
        assertThat(rollout.queued()).isEqualTo(3);
        assertThat(rolloutEngine.callSizes).isEmpty();

        TaskHandle query = live.registerQuery("q", c -> {});
        live.offerQuery(query, List.of(job("q", 8, 8)), 1_000);
        runAll(live);
        assertThat(live.busy()).isFalse();
        runAll(rollout);
        assertThat(calls).containsExactly("live w8", "live w7", "rollout w0", "rollout w1", "rollout w2");
        assertThat(rollout.drain(rolloutTask)).hasSize(3).noneMatch(Completion::failed);
    }

    @Test
    void rolloutWorkWaitsWhileALiveBatchRuns() {
        EngineWorkers live = live(0, clock);
        EngineWorkers rollout = rollout(live);
        TaskHandle rolloutTask = rollout.register("rollout");
        rollout.submit(rolloutTask, job("r", 0, 10));
        List<Boolean> rolloutStepped = new ArrayList<>();
        liveEngine.script = b -> {
            rolloutStepped.add(rollout.step()); // a rollout worker looks for work while the live batch runs
            return null;
        };
        live.submit(live.register("live"), job("d", 0, 10));
        assertThat(live.step()).isTrue();
        assertThat(rolloutStepped).as("nothing taken while the live batch ran").containsExactly(false);
        assertThat(rolloutEngine.callSizes).isEmpty();
        assertThat(rollout.step()).isTrue();
        assertThat(rolloutEngine.callSizes).containsExactly(1);
    }

    @Test
    void aLiveWindowThatArrivesDuringARolloutBatchRunsRightAfterItNotBehindTheRolloutBacklog() {
        EngineWorkers live = live(0, clock);
        TaskHandle liveTask = live.register("live");
        AtomicInteger rolloutCalls = new AtomicInteger();
        logCalls(() -> {
            if (rolloutCalls.incrementAndGet() == 2) {
                live.submit(liveTask, job("d", 9, 10));
            }
        });
        EngineWorkers rollout = rollout(live);
        TaskHandle rolloutTask = rollout.register("rollout");
        for (int i = 0; i < 5; i++) {
            rollout.submit(rolloutTask, job("r", i, 10));
        }
        assertThat(rollout.step()).isTrue();
        assertThat(rollout.step()).as("the batch the live window arrived under finishes").isTrue();
        assertThat(rollout.step()).as("then the rollout waits").isFalse();
        assertThat(live.step()).isTrue();
        runAll(rollout);
        assertThat(calls).containsExactly("rollout w0", "rollout w1", "live w9", "rollout w2", "rollout w3", "rollout w4");
        assertThat(live.drain(liveTask)).singleElement().satisfies(c -> assertThat(c.failed()).isFalse());
        assertThat(rollout.drain(rolloutTask)).hasSize(5);
    }

    @Test
    void waitingForLiveIsNotAnEngineCallForTheWatchdog() {
        EngineWorkers live = live(0, clock);
        EngineWorkers rollout = rollout(live, 0, clock, new CallDeadline(5_000));
        TaskHandle rolloutTask = rollout.register("rollout");
        rollout.submit(rolloutTask, job("r", 0, 10));
        live.submit(live.register("live"), job("d", 0, 10));
        clock.advance(Duration.ofSeconds(60));
        assertThat(rollout.step()).isFalse();
        assertThat(rollout.oldestCallSeconds()).isZero();
        assertThat(rollout.health().up()).isTrue();
        assertThat(rolloutEvents).isEmpty();
        runAll(live);
        runAll(rollout);
        assertThat(rollout.drain(rolloutTask)).singleElement().satisfies(c -> assertThat(c.failed()).isFalse());
        assertThat(rolloutEvents).containsExactly("batch 1");
        assertThat(rollout.workerRestarts()).isZero();
    }

    @Test
    void aDownRolloutEngineIsCheckedOnlyWhileLiveIsIdle() {
        EngineWorkers live = live(0, clock);
        EngineWorkers rollout = rollout(live);
        AtomicInteger rolloutCalls = new AtomicInteger();
        java.util.concurrent.atomic.AtomicBoolean down = new java.util.concurrent.atomic.AtomicBoolean(true);
        rolloutEngine.script = b -> {
            rolloutCalls.incrementAndGet();
            return down.get() ? EngineException.transientFailure("device lost", null) : null;
        };
        TaskHandle rolloutTask = rollout.register("rollout");
        rollout.submit(rolloutTask, job("r", 0, 10));
        runAll(rollout);
        assertThat(rollout.health().up()).as("its engine failed the batch").isFalse();
        int callsWhileDown = rolloutCalls.get();
        live.submit(live.register("live"), job("d", 0, 10));
        down.set(false);
        clock.advance(Duration.ofSeconds(1));
        assertThat(rollout.step()).as("its health check is due, but live has work").isFalse();
        assertThat(rolloutCalls.get()).isEqualTo(callsWhileDown);
        runAll(live);
        runAll(rollout);
        assertThat(rollout.health().up()).isTrue();
        assertThat(rollout.drain(rolloutTask)).singleElement().satisfies(c -> assertThat(c.failed()).isFalse());
    }

    @Test
    void withoutALiveTargetNothingWaits() {
        EngineWorkers busyElsewhere = live(0, clock);
        busyElsewhere.submit(busyElsewhere.register("other"), job("d", 0, 10));
        assertThat(busyElsewhere.busy()).isTrue();
        EngineWorkers plain = keep(new EngineWorkers(rolloutEngine, new WindowQueue(new BatchPolicy(16, 8, 0, 16), 1000), 0, 0, 100, 0, clock,
                rolloutListener));
        EngineWorkers none = rollout(LiveWork.NONE);
        for (EngineWorkers w : List.of(plain, none)) {
            TaskHandle t = w.register("t");
            w.submit(t, job("r", 0, 10));
            w.submit(t, job("r", 1, 10));
            runAll(w);
            assertThat(w.drain(t)).hasSize(2);
        }
        assertThat(rolloutEngine.callSizes).containsExactly(1, 1, 1, 1);
        assertThat(busyElsewhere.queued()).as("other workers are nobody's live work").isEqualTo(1);
    }

    /**
     * Real threads: a slow live engine, a quicker rollout engine, live windows submitted from inside
     * rollout calls. No rollout call may start while live has work, and the rollout must resume on
     * live's idle signal, well before its {@link YieldToLive#RECHECK_MS} safety net.
     */
    @Test
    @IntegrationTest // real threads and sleeps: the slow tier
    void withThreadsNoRolloutBatchStartsWhileLiveWorkIsPendingAndRolloutResumesOnLivesIdleSignal() throws Exception {
        int rolloutWindows = 40;
        EngineWorkers live = live(1, EngineClock.SYSTEM);
        TaskHandle liveTask = live.register("live");
        AtomicLong lastIdle = new AtomicLong();
        live.onIdle(() -> lastIdle.set(System.nanoTime())); // before the rollout's: recorded before the rollout is woken
        AtomicInteger rolloutCalls = new AtomicInteger();
        AtomicInteger startedWhileLiveBusy = new AtomicInteger();
        AtomicInteger liveSubmitted = new AtomicInteger();
        AtomicLong maxResumeNanos = new AtomicLong();
        AtomicInteger resumes = new AtomicInteger();
        java.util.concurrent.atomic.AtomicBoolean yielded = new java.util.concurrent.atomic.AtomicBoolean();
        liveEngine.script = b -> {
            sleep(20);
            return null;
        };
        rolloutEngine.script = b -> {
            if (live.busy()) {
                startedWhileLiveBusy.incrementAndGet();
            }
            if (yielded.getAndSet(false)) {
                resumes.incrementAndGet();
                maxResumeNanos.accumulateAndGet(System.nanoTime() - lastIdle.get(), Math::max);
            }
            if (rolloutCalls.incrementAndGet() % 5 == 0) { // live work arrives while this rollout batch runs
                for (int i = 0; i < 2; i++) {
                    live.submit(liveTask, job("d", liveSubmitted.getAndIncrement(), 10));
                }
                yielded.set(true);
            }
            sleep(5);
            return null;
        };
        EngineWorkers rollout = rollout(live, 1, EngineClock.SYSTEM, CallDeadline.AUTO);
        TaskHandle rolloutTask = rollout.register("rollout");
        for (int i = 0; i < rolloutWindows; i++) {
            assertThat(rollout.submit(rolloutTask, job("r", i, 10))).isTrue();
        }
        List<Completion> rolloutDone = new ArrayList<>();
        List<Completion> liveDone = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while ((rolloutDone.size() < rolloutWindows || liveDone.size() < liveSubmitted.get()) && System.nanoTime() < deadline) {
            rolloutDone.addAll(rollout.drain(rolloutTask));
            liveDone.addAll(live.drain(liveTask));
            Thread.sleep(5);
        }
        assertThat(rolloutDone).hasSize(rolloutWindows).noneMatch(Completion::failed);
        assertThat(liveDone).hasSize(liveSubmitted.get()).noneMatch(Completion::failed);
        assertThat(liveSubmitted.get()).isEqualTo(2 * (rolloutWindows / 5));
        assertThat(startedWhileLiveBusy.get()).as("rollout calls started while live work was pending").isZero();
        assertThat(resumes.get()).as("the rollout went on after each wait").isEqualTo(rolloutWindows / 5 - 1);
        assertThat(Duration.ofNanos(maxResumeNanos.get())).as("woken by live's idle signal, not the %d ms recheck", YieldToLive.RECHECK_MS)
                .isLessThan(Duration.ofMillis(YieldToLive.RECHECK_MS / 2));
        assertThat(rollout.workerRestarts()).isZero();
        assertThat(rollout.health().up()).isTrue();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
