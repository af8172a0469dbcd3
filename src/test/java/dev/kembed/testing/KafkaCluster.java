package dev.kembed.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/** A real single-node KRaft cluster (Kafka's own test kit) plus small producer/consumer helpers. */
public final class KafkaCluster implements AutoCloseable {
    private final KafkaClusterTestKit kit;

    private final Properties clientSecurity = new Properties();

    public KafkaCluster() throws Exception {
        this(org.apache.kafka.common.security.auth.SecurityProtocol.PLAINTEXT);
    }

    /**
     * @param brokerProtocol the clients' listener: PLAINTEXT, or SASL_PLAINTEXT with the test kit's PLAIN
     *                       users ({@code JaasUtils.KAFKA_PLAIN_ADMIN}/{@code KAFKA_PLAIN_USER1})
     */
    public KafkaCluster(org.apache.kafka.common.security.auth.SecurityProtocol brokerProtocol) throws Exception {
        kit = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder().setCombined(true).setNumBrokerNodes(1).setNumControllerNodes(1)
                .setBrokerSecurityProtocol(brokerProtocol).setControllerSecurityProtocol(brokerProtocol).build())
                .setConfigProp("offsets.topic.replication.factor", "1")
                .setConfigProp("offsets.topic.num.partitions", "4")
                .setConfigProp("transaction.state.log.replication.factor", "1")
                .setConfigProp("transaction.state.log.min.isr", "1")
                .setConfigProp("transaction.state.log.num.partitions", "4")
                .setConfigProp("group.initial.rebalance.delay.ms", "0")
                .setConfigProp("log.cleaner.dedupe.buffer.size", "2097152")
                .build();
        kit.format();
        kit.startup();
        kit.waitForReadyBrokers();
        if (brokerProtocol == org.apache.kafka.common.security.auth.SecurityProtocol.SASL_PLAINTEXT) {
            // the test kit's super user, for the helpers below (the application under test brings its own)
            clientSecurity.put("security.protocol", "SASL_PLAINTEXT");
            clientSecurity.put("sasl.mechanism", "PLAIN");
            clientSecurity.put("sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required username=\""
                    + org.apache.kafka.common.test.JaasUtils.KAFKA_PLAIN_ADMIN + "\" password=\""
                    + org.apache.kafka.common.test.JaasUtils.KAFKA_PLAIN_ADMIN_PASSWORD + "\";");
        }
    }

    /** What a client needs besides bootstrap.servers to get in (empty for PLAINTEXT). */
    public Properties clientSecurity() {
        Properties p = new Properties();
        p.putAll(clientSecurity);
        return p;
    }

    public String bootstrap() {
        return kit.bootstrapServers();
    }

    public void createTopic(String name, int partitions) throws Exception {
        Properties p = clientSecurity();
        p.put("bootstrap.servers", bootstrap());
        try (Admin a = Admin.create(p)) {
            a.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get();
            // a producer that writes before every partition has a leader gets "invalid metadata" and,
            // with batches in flight, OutOfOrderSequenceException: records the test thinks it sent never arrive
            TestSupport.await("leaders for " + name, java.time.Duration.ofSeconds(30), () -> a.describeTopics(List.of(name)).allTopicNames().get()
                    .get(name).partitions().stream().allMatch(pi -> pi.leader() != null && !pi.leader().isEmpty()), Boolean::booleanValue);
        }
    }

    public KafkaProducer<byte[], byte[]> producer() {
        Properties p = clientSecurity();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1"); // retries never reorder a test's input
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    public void send(String topic, List<ProducerRecord<byte[], byte[]>> records) throws Exception {
        try (KafkaProducer<byte[], byte[]> p = producer()) {
            List<java.util.concurrent.Future<org.apache.kafka.clients.producer.RecordMetadata>> sent = new java.util.ArrayList<>();
            for (ProducerRecord<byte[], byte[]> r : records) {
                sent.add(p.send(r));
            }
            p.flush();
            for (var s : sent) {
                s.get(2, java.util.concurrent.TimeUnit.MINUTES); // a record the test could not send fails here, not as a missing output
            }
        }
    }

    /** Reads a topic from the start (read_committed) until {@code atLeast} records or the timeout. */
    public List<ConsumerRecord<byte[], byte[]>> readCommitted(String topic, int atLeast, Duration timeout) {
        Properties p = clientSecurity();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "reader-" + System.nanoTime());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            c.subscribe(List.of(topic));
            long deadline = System.nanoTime() + timeout.toNanos();
            while (out.size() < atLeast && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
            // a little longer, to catch duplicates arriving after the expected count
            long settle = System.nanoTime() + Duration.ofSeconds(2).toNanos();
            while (System.nanoTime() < settle) {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    public static Map<String, String> headers(ConsumerRecord<byte[], byte[]> r) {
        Map<String, String> h = new HashMap<>();
        for (Header x : r.headers()) {
            h.put(x.key(), new String(x.value(), java.nio.charset.StandardCharsets.UTF_8));
        }
        return h;
    }

    @Override
    public void close() throws Exception {
        kit.close();
    }
}
