package dev.kembed.stream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kembed.app.KembedModel;
import dev.kembed.engine.queue.BatchPolicy;
import dev.kembed.engine.queue.EngineWorkers;
import dev.kembed.engine.queue.WindowQueue;
import dev.kembed.engine.WindowResultCache;
import dev.kembed.testing.FakeClock;
import dev.kembed.testing.TestModels;
import dev.kembed.text.EmbeddingSettings;
import dev.kembed.text.GlobalAttention;
import dev.kembed.text.Pooling;
import dev.kembed.text.WindowPlan;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stream thread's wait is bounded per poll, not per window or per call: {@code init()} restoring
 * 1,000 pending windows against a queue that cannot take them waits one
 * {@code kembed.queue.max.block.ms} in all, so do several tasks restored before the next poll,
 * punctuations never wait, and every window still reaches the engine as space frees. Time
 * is a {@link FakeClock}: waits are counted, never slept.
 */
class AdmissionBoundTest extends RestoringTasks {
    @Test
    void initRestoringAThousandPendingWindowsWaitsOneBoundThenPunctuationsFeedTheQueue() {
        Restoring task = restoring("big", 1_000);
        EmbedProcessor processor = task.processor();
        MockProcessorContext<String, Emitted> ctx = task.ctx();
        KeyValueStore<String, PendingWindow> pending = task.pending();
        int windows = 1_000;

        processor.init(ctx); // what a restarted or migrated task does
        assertThat(clock.waitedNanos()).as("one bound for all 1,000 windows").isEqualTo(Duration.ofMillis(MAX_BLOCK_MS).toNanos());
        assertThat(workers.queued()).isEqualTo(QUEUE);
        assertThat(processor.backlogSize()).isEqualTo(windows - QUEUE);

        MockProcessorContext.CapturedPunctuator drain = ctx.scheduledPunctuators().get(0);
        drain.getPunctuator().punctuate(clock.nanoTime() / 1_000_000);
        assertThat(clock.waitedNanos()).as("a punctuation never waits").isEqualTo(Duration.ofMillis(MAX_BLOCK_MS).toNanos());

        int rounds = 0;
        while (ctx.forwarded().isEmpty() && rounds++ < 1_000) {
            clock.advance(Duration.ofMillis(20));
            while (workers.step()) {
                // the engine takes what is queued
            }
            ctx.setCurrentSystemTimeMs(clock.nanoTime() / 1_000_000);
            drain.getPunctuator().punctuate(clock.nanoTime() / 1_000_000);
            assertThat(workers.queued()).isLessThanOrEqualTo(QUEUE);
        }
        List<MockProcessorContext.CapturedForward<? extends String, ? extends Emitted>> out = ctx.forwarded();
        assertThat(out).as("every pending window reached the engine, the document came out").hasSize(1);
        assertThat(out.get(0).record().key()).isEqualTo("big");
        assertThat(pending.approximateNumEntries()).isZero();
        assertThat(processor.backlogSize()).isZero();
        assertThat(clock.waitedNanos()).as("still only the one bound of init").isEqualTo(Duration.ofMillis(MAX_BLOCK_MS).toNanos());
    }

    /**
     * Kafka Streams initialises all of a thread's restored tasks between two polls: they share one
     * bound (per-call bounds would add up to three here, past a max.poll.interval.ms of twice the
     * bound), and the next poll gives the thread a fresh one.
     */
    @Test
    void tasksRestoredBetweenTwoPollsShareOneBoundAndTheNextPollRefillsIt() {
        long bound = Duration.ofMillis(MAX_BLOCK_MS).toNanos();
        Restoring a = restoring("a", 100);
        Restoring b = restoring("b", 100);
        Restoring c = restoring("c", 100);
        PollCycle.tick(); // a poll: whatever earlier tests on this thread spent is behind it
        a.processor().init(a.ctx());
        assertThat(clock.waitedNanos()).as("the first task waits the bound for a queue that does not drain").isEqualTo(bound);
        b.processor().init(b.ctx());
        c.processor().init(c.ctx());
        assertThat(clock.waitedNanos()).as("the other tasks restored before the next poll do not wait").isEqualTo(bound);
        assertThat(a.processor().backlogSize() + b.processor().backlogSize() + c.processor().backlogSize()).isEqualTo(300 - QUEUE);

        PollCycle.tick();
        Restoring d = restoring("d", 10);
        d.processor().init(d.ctx());
        assertThat(clock.waitedNanos()).as("after a poll the thread may wait one bound again").isEqualTo(2 * bound);
        assertThat(d.processor().backlogSize()).isEqualTo(10);
    }

}
