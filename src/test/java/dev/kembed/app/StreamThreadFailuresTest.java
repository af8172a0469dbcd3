package dev.kembed.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kembed.serde.SerdeException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.junit.jupiter.api.Test;

class StreamThreadFailuresTest {
    final AtomicLong now = new AtomicLong(1_000_000);
    final List<Long> pauses = new ArrayList<>();
    final StreamThreadFailures failures = new StreamThreadFailures(3, 60_000, 1_000, 8_000, now::get, ms -> {
        pauses.add(ms);
        now.addAndGet(ms);
    });

    @Test
    void replacesWithADoublingPauseThenStopsPastTheLimit() {
        for (int i = 0; i < 3; i++) {
            assertThat(failures.handle(new IllegalStateException("boom " + i))).isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
        }
        assertThat(pauses).containsExactly(1_000L, 2_000L, 4_000L);
        assertThat(failures.handle(new IllegalStateException("boom 3"))).as("a fourth within the minute").isEqualTo(
                StreamThreadExceptionResponse.SHUTDOWN_CLIENT);
    }

    @Test
    void failuresOutsideTheWindowAreForgotten() {
        failures.handle(new IllegalStateException("a"));
        failures.handle(new IllegalStateException("b"));
        now.addAndGet(61_000);
        assertThat(failures.handle(new IllegalStateException("c"))).isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
        assertThat(failures.recentCount()).isEqualTo(1);
        assertThat(pauses).containsExactly(1_000L, 2_000L, 1_000L);
    }

    @Test
    void aFatalKembedErrorStopsAtOnceEvenWrapped() {
        SerdeException refused = SerdeException.registryRefused("registry-unauthorized", "schema registry answered 401");
        assertThat(failures.handle(new StreamsException("task failed", refused))).isEqualTo(StreamThreadExceptionResponse.SHUTDOWN_CLIENT);
        assertThat(pauses).isEmpty();
    }

    /**
     * The sink's serializer gave up on an unreachable registry: the thread waits until it answers
     * (probing at the doubling pauses, at most the longest pause), then is replaced, never counted:
     * an outage of any length never stops the client.
     */
    @Test
    void anUnreachableRegistryIsWaitedForAndNeverCountedTowardsTheLimit() {
        List<String> probes = new ArrayList<>(List.of("down", "down", "down"));
        StreamThreadFailures f = new StreamThreadFailures(3, 60_000, 1_000, 8_000, now::get, ms -> {
            pauses.add(ms);
            now.addAndGet(ms);
        }, () -> probes.isEmpty() ? null : probes.remove(0));
        SerdeException down = SerdeException.registryUnavailable("no schema registry answered; http://registry:8081 unreachable", null);
        assertThat(f.handle(new StreamsException("Unable to serialize record", down))).isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
        assertThat(pauses).as("three probes said down, the fourth answered").containsExactly(1_000L, 2_000L, 4_000L);
        assertThat(f.unstable()).contains("no schema registry answered");

        pauses.clear();
        for (int i = 0; i < 10; i++) { // the registry stays down: each wait is bounded by the longest pause
            probes.addAll(List.of("down", "down", "down", "down", "down"));
            assertThat(f.handle(new StreamsException("Unable to serialize record", down))).isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
            probes.clear();
        }
        assertThat(pauses.subList(0, 4)).containsExactly(1_000L, 2_000L, 4_000L, 1_000L);
        assertThat(pauses.stream().mapToLong(Long::longValue).sum()).isEqualTo(10 * 8_000L);
        assertThat(f.recentCount()).isZero();
        assertThat(f.registryWaits()).isEqualTo(11);
        assertThat(f.handle(new IllegalStateException("another failure"))).as("other failures still count").isEqualTo(
                StreamThreadExceptionResponse.REPLACE_THREAD);
        assertThat(f.recentCount()).isEqualTo(1);
    }

    @Test
    void readinessFailsWhileReplacementsAreRecent() {
        assertThat(failures.unstable()).isNull();
        failures.handle(new IllegalStateException("boom"));
        assertThat(failures.unstable()).contains("a stream thread failed").contains("java.lang.IllegalStateException: boom");
        now.addAndGet(8_001); // past the longest pause without another failure
        assertThat(failures.unstable()).isNull();
    }
}
