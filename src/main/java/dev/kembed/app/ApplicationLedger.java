package dev.kembed.app;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kembed.app.config.RolloutConfig;
import dev.kembed.stream.ChunkOutput;
import dev.kembed.stream.StateFingerprint;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What this application last ran with, kept across restarts in a compacted one-partition topic
 * ({@code <application.id>-kembed-ledger}, JSON values): the live pipeline (the Kafka Streams
 * application id it runs under and the fingerprint of its settings), the rollout in progress if
 * any, and the rollout's last reported progress. Start-up reads it to tell a settings change from
 * a cutover or an abort; {@code kembed rollout status} reads it from outside the process.
 */
final class ApplicationLedger implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ApplicationLedger.class);
    static final String LIVE = "live";
    static final String ROLLOUT = "rollout";
    static final String PROGRESS = "rollout-progress";
    static final String RETIRED = "retired";
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * A pipeline as the ledger keeps it.
     *
     * @param applicationId its Kafka Streams application id (consumer group, internal topics, state directory)
     * @param embedding     {@code StateFingerprint.embedding}: what turns a text into its vector
     * @param chunks        {@code StateFingerprint.chunks}: how chunks are cut ({@code none} without a chunks topic)
     * @param chunksTopic   empty without one
     */
    record Pipeline(String applicationId, String embedding, String chunks, String outputTopic, String chunksTopic, String model, long since) {
        /** Whether {@code other} writes the same records to the same topics (the application id and times apart). */
        boolean sameOutput(Pipeline other) {
            return embedding.equals(other.embedding) && chunks.equals(other.chunks) && outputTopic.equals(other.outputTopic)
                    && chunksTopic.equals(other.chunksTopic);
        }

        Pipeline underApplication(String id) {
            return new Pipeline(id, embedding, chunks, outputTopic, chunksTopic, model, since);
        }

        String json() {
            return JSON.createObjectNode().put("application_id", applicationId).put("embedding", embedding).put("chunks", chunks)
                    .put("output_topic", outputTopic).put("chunks_topic", chunksTopic).put("model", model).put("since", since).toString();
        }

        static Pipeline of(JsonNode n) {
            return new Pipeline(n.path("application_id").asText(), n.path("embedding").asText(), n.path("chunks").asText("none"),
                    n.path("output_topic").asText(), n.path("chunks_topic").asText(), n.path("model").asText(), n.path("since").asLong());
        }
    }

    /**
     * The rollout's progress as the process last reported it.
     *
     * @param livePosition the live pipeline's committed offsets on the input topic, summed, when it was measured: a report
     *                     is current only while they have not moved
     */
    record Progress(long remaining, boolean ready, long livePosition, long at) {
        String json() {
            return JSON.createObjectNode().put("documents_remaining", remaining).put("ready", ready).put("live_position", livePosition)
                    .put("at", at).toString();
        }

        static Progress of(JsonNode n) {
            return new Progress(n.path("documents_remaining").asLong(-1), n.path("ready").asBoolean(), n.path("live_position").asLong(-1),
                    n.path("at").asLong());
        }
    }

    /**
     * The ledger's content: null where a key is absent.
     *
     * @param retired applications no longer run whose state is still to be deleted (once no instance runs them)
     */
    record State(Pipeline live, Pipeline rollout, Progress progress, List<String> retired) {
        State(Pipeline live, Pipeline rollout, Progress progress) {
            this(live, rollout, progress, List.of());
        }
    }

    static String retiredJson(java.util.Collection<String> ids) {
        com.fasterxml.jackson.databind.node.ArrayNode a = JSON.createArrayNode();
        ids.forEach(a::add);
        return a.toString();
    }

    private final Properties clientProps;
    private final String topic;
    /** Null until the first write. */
    private KafkaProducer<String, String> producer;

    ApplicationLedger(Properties clientProps, String baseApplicationId) {
        this.clientProps = clientProps;
        this.topic = topicOf(baseApplicationId);
    }

    static String topicOf(String baseApplicationId) {
        return baseApplicationId + "-kembed-ledger";
    }

    String topic() {
        return topic;
    }

    /**
     * Reads what this application last ran with, decides (cutover, abort, a settings change, a
     * refusal: {@link LedgerPlan}), says so and records what runs now; refuses a rollout on an
     * input topic that forgets.
     *
     * @param next      the rollout's configuration, or null
     * @param nextStack the rollout's engine stack, or null
     */
    LedgerPlan settle(KembedConfig cfg, EngineStack stack, KembedConfig next, EngineStack nextStack, ApplicationState admin, String baseId) {
        if (!cfg.topicsCreate()) {
            // refused with every missing topic named at once, the ledger among them
            List<String> needed = new java.util.ArrayList<>(List.of(cfg.inputTopic(), cfg.outputTopic(), cfg.dlqTopic(), topic));
            if (cfg.chunkOutput() != null) {
                needed.add(cfg.chunkOutput().topic());
            }
            TopicAdmin.ensure(clientProps, needed, false, 1, (short) 1);
        }
        ensure(cfg.topicsCreate(), cfg.topicsReplication());
        LedgerPlan plan = LedgerPlan.decide(read(), baseId, pipelineOf(cfg, stack), next == null ? null : pipelineOf(next, nextStack),
                System.currentTimeMillis());
        if (next != null) {
            String cannot = admin.holdsEveryDocument(cfg.inputTopic(), RolloutConfig.MODEL_DIR);
            if (cannot != null) {
                throw new IllegalStateException(cannot);
            }
        }
        plan.notes().forEach(n -> LOG.info("{}", n));
        if (!plan.ledgerWrites().isEmpty()) {
            write(plan.ledgerWrites());
        }
        return plan;
    }

    private static Pipeline pipelineOf(KembedConfig cfg, EngineStack stack) {
        ChunkOutput chunks = cfg.chunkOutput();
        return new Pipeline("", StateFingerprint.embedding(stack.plan()), StateFingerprint.chunks(chunks), cfg.outputTopic(),
                chunks == null ? "" : chunks.topic(), stack.model().name(), 0);
    }

    /** Creates the topic if missing (compacted, one partition, the replication of kembed's topics), unless {@code create} is off. */
    void ensure(boolean create, short replication) {
        try (TopicAdmin admin = new TopicAdmin(clientProps)) {
            if (!admin.existing().contains(topic)) {
                admin.create(List.of(new NewTopic(topic, 1, replication).configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG,
                        TopicConfig.CLEANUP_POLICY_COMPACT))), create);
            }
        }
    }

    /** Everything in the ledger, read to its end; an absent topic is an empty ledger. */
    State read() {
        Properties p = new Properties();
        p.putAll(clientProps);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false"); // never a ledger of the broker's defaults (not compacted)
        Map<String, String> latest = new HashMap<>();
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            if (c.partitionsFor(topic, Duration.ofSeconds(30)).isEmpty()) {
                return new State(null, null, null, List.of()); // no ledger yet
            }
            TopicPartition tp = new TopicPartition(topic, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long end = c.endOffsets(List.of(tp), Duration.ofSeconds(30)).get(tp);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (c.position(tp, Duration.ofSeconds(30)) < end) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("cannot read the ledger topic " + topic + " to its end (offset " + end + ")");
                }
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(500))) {
                    if (r.value() == null) {
                        latest.remove(r.key());
                    } else {
                        latest.put(r.key(), r.value());
                    }
                }
            }
        }
        try {
            List<String> retired = new java.util.ArrayList<>();
            if (latest.containsKey(RETIRED)) {
                JSON.readTree(latest.get(RETIRED)).forEach(n -> retired.add(n.asText()));
            }
            return new State(latest.containsKey(LIVE) ? Pipeline.of(JSON.readTree(latest.get(LIVE))) : null,
                    latest.containsKey(ROLLOUT) ? Pipeline.of(JSON.readTree(latest.get(ROLLOUT))) : null,
                    latest.containsKey(PROGRESS) ? Progress.of(JSON.readTree(latest.get(PROGRESS))) : null, List.copyOf(retired));
        } catch (java.io.IOException e) {
            throw new IllegalStateException("the ledger topic " + topic + " holds a value kembed cannot read: " + e.getMessage(), e);
        }
    }

    /** Writes each entry (a null value deletes its key), acknowledged by every in-sync replica before it returns. */
    synchronized void write(Map<String, String> entries) {
        try {
            for (Map.Entry<String, String> e : entries.entrySet()) {
                producer().send(new ProducerRecord<>(topic, 0, e.getKey(), e.getValue())).get(60, TimeUnit.SECONDS);
            }
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot write the ledger topic " + topic + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while writing the ledger topic " + topic, e);
        }
    }

    /** One producer for this process's writes (start-up, rollout progress, retirement), made at the first. */
    private KafkaProducer<String, String> producer() {
        if (producer == null) {
            Properties p = new Properties();
            p.putAll(clientProps);
            p.put(ProducerConfig.ACKS_CONFIG, "all");
            p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
            producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
        }
        return producer;
    }

    @Override
    public synchronized void close() {
        if (producer != null) {
            producer.close(Duration.ofSeconds(10));
            producer = null;
        }
    }
}
