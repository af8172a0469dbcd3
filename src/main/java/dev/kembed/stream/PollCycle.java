package dev.kembed.stream;

import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerInterceptor;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Counts, per thread, the main consumer's polls that returned records: the stream thread's clock
 * for "since the last poll". {@code max.poll.interval.ms} bounds the time between two polls, and
 * Kafka Streams runs many {@code process()} and {@code init()} calls in that time, so a wait bound
 * per call is not a bound per poll; {@link AdmissionBudget} keys its budget on this count instead.
 *
 * <p>Kafka calls {@code onConsume} on the polling thread, only for a poll that returned records:
 * an empty poll does not refill the budget, which errs on the side of waiting less.
 * {@link #addTo} installs it on the main consumer, keeping interceptors the user configured.
 */
public final class PollCycle implements ConsumerInterceptor<byte[], byte[]> {
    static final String MAIN_CONSUMER_INTERCEPTORS = "main.consumer.interceptor.classes";
    private static final ThreadLocal<long[]> POLLS = ThreadLocal.withInitial(() -> new long[1]);

    /** Polls with records seen on the calling thread so far. */
    static long polls() {
        return POLLS.get()[0];
    }

    /** What a poll does; for tests that drive a processor without a consumer. */
    static void tick() {
        POLLS.get()[0]++;
    }

    /**
     * Adds this interceptor to the main consumer's in {@code streamsProps}, after any the user set
     * (most specific of {@code main.consumer.}, {@code consumer.} or plain {@code interceptor.classes}).
     */
    public static void addTo(java.util.Properties streamsProps) {
        String own = PollCycle.class.getName();
        String user = null;
        for (String key : new String[] {MAIN_CONSUMER_INTERCEPTORS, "consumer.interceptor.classes", "interceptor.classes"}) {
            String v = streamsProps.getProperty(key);
            if (v != null && !v.isBlank()) {
                user = v.trim();
                break;
            }
        }
        streamsProps.put(MAIN_CONSUMER_INTERCEPTORS, user == null ? own : user.contains(own) ? user : user + "," + own);
    }

    @Override
    public ConsumerRecords<byte[], byte[]> onConsume(ConsumerRecords<byte[], byte[]> records) {
        tick();
        return records;
    }

    @Override
    public void onCommit(Map<TopicPartition, OffsetAndMetadata> offsets) {}

    @Override
    public void close() {}

    @Override
    public void configure(Map<String, ?> configs) {}
}
