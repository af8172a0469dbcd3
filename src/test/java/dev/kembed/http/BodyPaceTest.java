package dev.kembed.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The body's pace as plain arithmetic on nanosecond readings: no clock, no sleeping. */
class BodyPaceTest {
    static final long MS = 1_000_000L;
    static final BodyPace PACE = new BodyPace(Duration.ofSeconds(10), 16_384);

    @Test
    void aTricklingBodyIsCutByTheRateAfterItsFirstSecondNeverBefore() {
        assertThat(PACE.tooSlow(0, 900 * MS, 0)).as("within the grace second nothing is required").isNull();
        assertThat(PACE.tooSlow(0, 1000 * MS, 0)).isNull();
        // one byte every 25 s, or every 2 s: cut as soon as the second is over
        assertThat(PACE.tooSlow(0, 1250 * MS, 1)).contains("slower than 16384 bytes/s").contains("1 bytes in 1250 ms")
                .contains("kembed.http.body.min.bytes.per.second");
        // a steady 20 KB/s body is never cut by the rate
        for (long ms = 1000; ms < 10_000; ms += 250) {
            assertThat(PACE.tooSlow(0, ms * MS, 20_000 * ms / 1000)).as("at %d ms", ms).isNull();
        }
    }

    @Test
    void anyBodyIsCutAtTheTimeoutAndARateOfZeroMeansNoMinimum() {
        assertThat(PACE.tooSlow(0, 9_999 * MS, 100_000_000)).isNull();
        assertThat(PACE.tooSlow(0, 10_000 * MS, 100_000_000)).contains("within 10000 ms").contains("kembed.http.body.timeout.ms");
        BodyPace noRate = new BodyPace(Duration.ofSeconds(600), 0);
        assertThat(noRate.tooSlow(0, 599_000 * MS, 0)).isNull();
        assertThat(noRate.tooSlow(0, 600_000 * MS, 0)).contains("600000 ms");
        assertThat(PACE.tooSlow(5_000 * MS, 6_200 * MS, 0)).as("measured from the body's own start").contains("0 bytes in 1200 ms");
        assertThatThrownBy(() -> new BodyPace(Duration.ZERO, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new BodyPace(Duration.ofSeconds(1), -1)).isInstanceOf(IllegalArgumentException.class);
    }
}
