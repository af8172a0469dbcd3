package dev.kembed.stream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kembed.serde.AvroWireFormat;
import dev.kembed.serde.RegistrySettings;
import dev.kembed.serde.SchemaRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;

/**
 * A revived task (task corrupted, all tasks lost): Kafka Streams calls {@code init} again on the
 * same processor objects, with or without a {@code close} first. Nothing of the task's last life
 * may remain: its windows are queued once, its documents and parked records counted once, its
 * punctuators scheduled anew, and everything comes out exactly once.
 */
class TaskReviveTest extends RestoringTasks {
    static final int WINDOWS = 10;

    @Test
    void aRevivedEmbedTaskQueuesItsWindowsOnceAndEmitsItsDocumentOnce() {
        for (boolean closedFirst : new boolean[] {true, false}) {
            IntakeBound intake = new IntakeBound(1_000_000, 1_000_000);
            Restoring task = restoring("doc-" + closedFirst, WINDOWS, intake);
            PollCycle.tick();
            task.processor().init(task.ctx());
            assertThat(workers.queued()).isEqualTo(WINDOWS);
            assertThat(intake.tokens()).isEqualTo(WINDOWS * 3L);

            if (closedFirst) {
                task.processor().close();
                assertThat(intake.tokens()).as("a closed task's documents no longer count").isZero();
            }
            task.processor().init(task.ctx()); // the revive
            assertThat(workers.queued()).as("closed first: " + closedFirst + "; each window queued once").isEqualTo(WINDOWS);
            assertThat(intake.tokens()).as("the document counted once").isEqualTo(WINDOWS * 3L);
            List<MockProcessorContext.CapturedPunctuator> punctuators = task.ctx().scheduledPunctuators();
            assertThat(punctuators).hasSize(2);
            assertThat(punctuators.get(0).cancelled()).as("the last life's drain punctuator").isTrue();

            MockProcessorContext.CapturedPunctuator drain = punctuators.get(1);
            int rounds = 0;
            while (task.ctx().forwarded().isEmpty() && rounds++ < 100) {
                clock.advance(Duration.ofMillis(20));
                while (workers.step()) {
                    // the engine takes what is queued
                }
                drain.getPunctuator().punctuate(clock.nanoTime() / 1_000_000);
            }
            for (int i = 0; i < 3; i++) { // a late duplicate would show here
                while (workers.step()) {
                    // nothing is left
                }
                drain.getPunctuator().punctuate(clock.nanoTime() / 1_000_000);
            }
            assertThat(task.ctx().forwarded()).as("the document came out exactly once").hasSize(1);
            assertThat(workers.queued()).isZero();
            assertThat(intake.tokens()).as("emitted: nothing in flight").isZero();
            task.processor().close();
        }
    }

    @Test
    void aRevivedDecodeTaskCountsItsParkedRecordsOnceAndReplaysThemAll() {
        for (boolean closedFirst : new boolean[] {true, false}) {
            PipelineMetrics metrics = new PipelineMetrics(new SimpleMeterRegistry());
            IntakeBound intake = new IntakeBound(1_000_000, 1_000_000);
            SchemaRegistry registry = SchemaRegistry.forSettings(RegistrySettings.of("mock://revive"));
            DocumentDecoder decoder = new DocumentDecoder(InputFormat.JSON, new AvroWireFormat(registry), 1_000_000, 30_000);
            DecodeProcessor processor = new DecodeProcessor(decoder, metrics, new RetryBackoff(RetryBackoff.INITIAL_MS, RetryBackoff.MAX_MS), intake,
                    RecordLimits.DEFAULTS);
            MockProcessorContext<String, Decoded> ctx = new MockProcessorContext<>();
            KeyValueStore<String, ParkedRecord> parked = store(ctx, Names.PARKED_STORE, StateSerdes.PARKED_RECORD);
            long bytes = 0;
            for (int i = 0; i < 3; i++) { // left parked by the last life (the registry was down)
                byte[] key = ("d" + i).getBytes(StandardCharsets.UTF_8);
                byte[] value = ("{\"text\": \"document " + i + "\"}").getBytes(StandardCharsets.UTF_8);
                parked.put(String.format("%019d", i), new ParkedRecord(key, value, 1000L + i, new SourceRecord("docs", 0, i), new org.apache.kafka.common.header.Header[0], null));
                bytes += key.length + value.length;
            }
            processor.init(ctx);
            assertThat(metrics.parkedRecords()).isEqualTo(3);
            assertThat(intake.parkedBytes()).isEqualTo(bytes);
            if (closedFirst) {
                processor.close();
                assertThat(metrics.parkedRecords()).isZero();
                assertThat(intake.parkedBytes()).isZero();
            }
            processor.init(ctx); // the revive
            assertThat(metrics.parkedRecords()).as("closed first: " + closedFirst + "; counted once").isEqualTo(3);
            assertThat(intake.parkedBytes()).isEqualTo(bytes);
            List<MockProcessorContext.CapturedPunctuator> live = ctx.scheduledPunctuators().stream().filter(p -> !p.cancelled()).toList();
            assertThat(live).as("one replay punctuator of this life").hasSize(1);

            live.get(0).getPunctuator().punctuate(System.currentTimeMillis());
            assertThat(ctx.forwarded()).as("every parked record replayed, in order, once").hasSize(3);
            assertThat(ctx.forwarded().stream().map(f -> (String) f.record().key()).toList()).containsExactly("d0", "d1", "d2");
            assertThat(metrics.parkedRecords()).as("the parked count returns to 0").isZero();
            assertThat(intake.parkedBytes()).isZero();
            assertThat(parked.approximateNumEntries()).isZero();
            processor.close();
        }
    }
}
