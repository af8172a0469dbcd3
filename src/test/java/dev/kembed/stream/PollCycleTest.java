package dev.kembed.stream;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

class PollCycleTest {
    static final String OWN = PollCycle.class.getName();

    @Test
    void installsItselfOnTheMainConsumerOnly() {
        Properties p = new Properties();
        p.put("bootstrap.servers", "x:9092");
        p.put("application.id", "t");
        PollCycle.addTo(p);
        assertThat(p.getProperty("main.consumer.interceptor.classes")).isEqualTo(OWN);
        StreamsConfig cfg = new StreamsConfig(p);
        assertThat(cfg.getMainConsumerConfigs("g", "c", 0).get("interceptor.classes")).isEqualTo(OWN);
        assertThat(cfg.getRestoreConsumerConfigs("c").get("interceptor.classes")).isNull();
        assertThat(cfg.getProducerConfigs("c").get("interceptor.classes")).isNull();
    }

    @Test
    void keepsTheUsersInterceptorsMostSpecificFirst() {
        Properties main = new Properties();
        main.put("consumer.interceptor.classes", "com.acme.Audit");
        main.put("main.consumer.interceptor.classes", "com.acme.Trace, com.acme.Audit");
        PollCycle.addTo(main);
        assertThat(main.getProperty("main.consumer.interceptor.classes")).isEqualTo("com.acme.Trace, com.acme.Audit," + OWN);

        Properties consumer = new Properties();
        consumer.put("consumer.interceptor.classes", "com.acme.Audit");
        PollCycle.addTo(consumer);
        assertThat(consumer.getProperty("main.consumer.interceptor.classes")).isEqualTo("com.acme.Audit," + OWN);

        Properties twice = new Properties();
        PollCycle.addTo(twice);
        PollCycle.addTo(twice);
        assertThat(twice.getProperty("main.consumer.interceptor.classes")).isEqualTo(OWN);
    }

    @Test
    void countsPollsOnTheCallingThreadOnly() throws Exception {
        PollCycle interceptor = new PollCycle();
        TopicPartition tp = new TopicPartition("docs", 0);
        ConsumerRecords<byte[], byte[]> records = new ConsumerRecords<>(Map.of(tp, List.of(new ConsumerRecord<>("docs", 0, 0L,
                new byte[0], new byte[0]))), Map.of());
        long before = PollCycle.polls();
        assertThat(interceptor.onConsume(records)).isSameAs(records);
        interceptor.onConsume(records);
        assertThat(PollCycle.polls()).isEqualTo(before + 2);
        long[] other = new long[1];
        Thread t = new Thread(() -> other[0] = PollCycle.polls());
        t.start();
        t.join();
        assertThat(other[0]).as("another stream thread's count").isZero();
    }
}
