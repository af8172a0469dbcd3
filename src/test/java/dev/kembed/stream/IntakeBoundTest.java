package dev.kembed.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * The intake bound's rule (pause at the bound, resume below 90%) and the main consumer that obeys
 * it without taking Kafka Streams' own pauses from it.
 */
class IntakeBoundTest {
    static final TopicPartition P0 = new TopicPartition("docs", 0);
    static final TopicPartition P1 = new TopicPartition("docs", 1);

    @Test
    void pausesAtTheBoundAndResumesBelowNinetyPercentOfIt() {
        IntakeBound b = new IntakeBound(1000, 500);
        b.addTokens(999);
        assertThat(b.shouldPause()).isFalse();
        b.addTokens(1);
        assertThat(b.shouldPause()).isTrue();
        assertThat(b.describe()).contains("paused").contains("1000 of 1000 tokens in flight");
        b.addTokens(-50); // 950: still above 900
        assertThat(b.shouldPause()).isTrue();
        b.addTokens(-51); // 899
        assertThat(b.shouldPause()).isFalse();
        assertThat(b.pauses()).isEqualTo(1);
        b.addParkedBytes(500); // parked input counts on its own
        assertThat(b.shouldPause()).isTrue();
        assertThat(b.describe()).contains("500 of 500 bytes parked");
        b.addParkedBytes(-500);
        assertThat(b.shouldPause()).isFalse();
        assertThat(b.pauses()).isEqualTo(2);
        assertThatThrownBy(() -> new IntakeBound(0, 1)).hasMessageContaining("positive");
    }

    @Test
    void theConsumerStopsFetchingPastTheBoundAndKeepsStreamsOwnPausesApart() {
        MockConsumer<byte[], byte[]> mock = new MockConsumer<>("earliest");
        mock.assign(List.of(P0, P1));
        mock.updateBeginningOffsets(Map.of(P0, 0L, P1, 0L));
        IntakeBound bound = new IntakeBound(100, 100);
        IntakeConsumer consumer = new IntakeConsumer(mock, bound);
        record(mock, P0, 0);
        record(mock, P1, 0);
        assertThat(consumer.poll(Duration.ZERO).count()).isEqualTo(2);

        bound.addTokens(100); // over the bound: nothing more is fetched, and Streams sees no pause of its own
        record(mock, P0, 1);
        record(mock, P1, 1);
        assertThat(consumer.poll(Duration.ZERO).count()).isZero();
        assertThat(mock.paused()).containsExactlyInAnyOrder(P0, P1);
        assertThat(consumer.paused()).isEmpty();

        consumer.pause(List.of(P0)); // Streams pauses P0 (its buffer is full) while the bound holds both
        assertThat(consumer.paused()).containsExactly(P0);
        consumer.resume(List.of(P1)); // Streams resumes what the bound still holds: it stays paused
        assertThat(mock.paused()).containsExactlyInAnyOrder(P0, P1);

        bound.addTokens(-20); // 80: below 90% of the bound, fetching resumes, but not what Streams paused
        assertThat(consumer.poll(Duration.ZERO).count()).isEqualTo(1);
        assertThat(mock.paused()).containsExactly(P0);
        assertThat(consumer.paused()).containsExactly(P0);

        consumer.resume(List.of(P0));
        assertThat(consumer.poll(Duration.ZERO).count()).isEqualTo(1);
        assertThat(mock.paused()).isEmpty();
    }

    @Test
    void aRevokedPartitionLeavesNoPauseBehind() {
        MockConsumer<byte[], byte[]> mock = new MockConsumer<>("earliest");
        mock.assign(List.of(P0, P1));
        mock.updateBeginningOffsets(Map.of(P0, 0L, P1, 0L));
        IntakeBound bound = new IntakeBound(10, 10);
        IntakeConsumer consumer = new IntakeConsumer(mock, bound);
        bound.addTokens(10);
        consumer.poll(Duration.ZERO);
        assertThat(mock.paused()).containsExactlyInAnyOrder(P0, P1);
        mock.assign(List.of(P1)); // P0 revoked (a real consumer also forgets its pause; MockConsumer does not)
        bound.addTokens(-10);
        consumer.poll(Duration.ZERO);
        assertThat(mock.paused()).doesNotContain(P1);
        assertThat(mock.assignment()).isEqualTo(Set.of(P1));
        mock.assign(List.of(P0, P1)); // P0 back, fresh: the bound is lifted, nothing holds it
        mock.resume(List.of(P0));
        bound.addTokens(10);
        consumer.poll(Duration.ZERO);
        assertThat(mock.paused()).containsExactlyInAnyOrder(P0, P1);
        assertThat(consumer.paused()).isEmpty();
    }

    private static void record(MockConsumer<byte[], byte[]> mock, TopicPartition p, long offset) {
        mock.addRecord(new ConsumerRecord<>(p.topic(), p.partition(), offset, new byte[] {1}, new byte[] {2}));
    }
}
