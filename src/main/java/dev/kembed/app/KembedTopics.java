package dev.kembed.app;

import dev.kembed.app.config.ChunksConfig;
import dev.kembed.app.config.TopicsConfig;
import dev.kembed.stream.Names;
import dev.kembed.stream.PipelineSettings;
import dev.kembed.stream.RecordLimits;
import dev.kembed.stream.RecordSizes;
import dev.kembed.text.WindowPlan;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;

/**
 * kembed's topics made ready at start-up, so that no record it writes can be refused. The largest
 * record per topic follows from the model and the bounds ({@link RecordSizes}); missing topics are
 * created able to take it (and the chunks topic compacted, with the output topic's partition
 * count); every topic is then read back and start-up is refused, naming topic, numbers and the
 * setting to change, when one cannot take what kembed may write to it, when the chunks topic is not
 * compacted, or when it has another partition count than the output topic. The producer's
 * {@code max.request.size} is what the largest of these needs, the parked-records and
 * document-inputs changelogs' {@code max.message.bytes} what the largest input record needs.
 *
 * @param limits         the bounds with the topics' sizes (the stream's per-record net)
 * @param maxRequestSize the producer's {@code max.request.size}
 */
record KembedTopics(RecordLimits limits, int maxRequestSize) {
    /** Kafka's default {@code message.max.bytes}: kembed never creates a topic that takes less. */
    static final int KAFKA_DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;
    static final String KAFKA_CONFIGS = "kafka-configs.sh --alter --entity-type topics --entity-name %s --add-config %s=%s";

    static KembedTopics prepare(Properties clientProps, PipelineSettings settings, WindowPlan plan, String applicationId, boolean create,
            int partitions, short replication) {
        RecordLimits limits = settings.limits();
        // what kembed may write to each topic, and why (the settings that make it so)
        Map<String, Long> need = new LinkedHashMap<>();
        Map<String, String> why = new LinkedHashMap<>();
        need.put(settings.outputTopic(), RecordSizes.document(plan, limits));
        why.put(settings.outputTopic(), "a document record of dimension " + plan.engine().dimension() + " with " + TopicsConfig.METADATA_MAX_BYTES
                + "=" + limits.metadataMaxBytes() + "; or lower " + TopicsConfig.METADATA_MAX_BYTES);
        String chunks = settings.chunks() == null ? null : settings.chunks().topic();
        if (chunks != null) {
            need.put(chunks, RecordSizes.chunk(plan, settings.chunks(), limits));
            why.put(chunks, "a chunk record of dimension " + plan.engine().dimension() + " with " + TopicsConfig.METADATA_MAX_BYTES + "="
                    + limits.metadataMaxBytes() + " and " + ChunksConfig.CHUNK_TEXT_MAX_BYTES + "=" + limits.chunkTextMaxBytes() + "; or lower those");
        }
        need.put(settings.dlqTopic(), RecordSizes.deadLetter(limits));
        why.put(settings.dlqTopic(), "a dead letter with " + TopicsConfig.DLQ_MAX_VALUE_BYTES + "=" + limits.dlqMaxValueBytes() + "; or lower it");

        List<String> topics = new ArrayList<>(List.of(settings.inputTopic(), settings.outputTopic(), settings.dlqTopic()));
        if (chunks != null) {
            topics.add(chunks);
        }
        try (TopicAdmin admin = new TopicAdmin(clientProps)) {
            Set<String> existing = admin.existing();
            // chunks are partitioned like their documents only with equal counts: a new chunks topic takes the output topic's
            int outputPartitions = existing.contains(settings.outputTopic()) ? admin.describe(List.of(settings.outputTopic()))
                    .get(settings.outputTopic()).partitions() : partitions;
            List<NewTopic> missing = new ArrayList<>();
            for (String t : topics) {
                if (existing.contains(t)) {
                    continue;
                }
                Map<String, String> configs = new LinkedHashMap<>();
                if (need.containsKey(t)) {
                    configs.put(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Long.toString(Math.max(need.get(t), KAFKA_DEFAULT_MAX_MESSAGE_BYTES)));
                }
                if (t.equals(chunks)) {
                    configs.put(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT);
                }
                missing.add(new NewTopic(t, t.equals(chunks) ? outputPartitions : partitions, replication).configs(configs));
            }
            admin.create(missing, create);
            Map<String, TopicAdmin.Facts> facts = admin.describe(topics);
            List<String> errors = check(settings, need, why, facts);
            if (!errors.isEmpty()) {
                throw new IllegalStateException("kembed cannot start with these topics:\n  " + String.join("\n  ", errors));
            }
            long inputMax = facts.get(settings.inputTopic()).maxMessageBytes();
            int parked = (int) Math.min(Integer.MAX_VALUE, RecordSizes.parkedChangelog(inputMax));
            int inputs = (int) Math.min(Integer.MAX_VALUE, RecordSizes.inputChangelog(inputMax));
            // Streams creates the changelogs with these sizes, but an existing one (an earlier kembed's) keeps what it has
            raiseIfExisting(admin, existing, applicationId + "-" + Names.PARKED_STORE + "-changelog", parked);
            raiseIfExisting(admin, existing, applicationId + "-" + Names.INPUT_STORE + "-changelog", inputs);
            long largest = parked;
            for (long n : need.values()) {
                largest = Math.max(largest, n);
            }
            return new KembedTopics(limits.withTopics(facts.get(settings.outputTopic()).maxMessageBytes(),
                    chunks == null ? 0 : facts.get(chunks).maxMessageBytes(), parked), (int) Math.min(Integer.MAX_VALUE, largest));
        }
    }

    private static void raiseIfExisting(TopicAdmin admin, Set<String> existing, String changelog, int maxMessageBytes) {
        if (existing.contains(changelog) && admin.describe(List.of(changelog)).get(changelog).maxMessageBytes() < maxMessageBytes) {
            admin.raiseMaxMessageBytes(changelog, maxMessageBytes);
        }
    }

    /** Every reason the topics cannot take what kembed writes, each naming the topic, the numbers and what to change. */
    static List<String> check(PipelineSettings settings, Map<String, Long> need, Map<String, String> why, Map<String, TopicAdmin.Facts> facts) {
        List<String> errors = new ArrayList<>();
        need.forEach((topic, bytes) -> {
            int max = facts.get(topic).maxMessageBytes();
            if (max < bytes) {
                errors.add(String.format("topic %s takes records of at most %d bytes (max.message.bytes) but kembed may write %d bytes to it (%s): "
                        + "raise it, e.g. " + KAFKA_CONFIGS, topic, max, bytes, why.get(topic), topic, TopicConfig.MAX_MESSAGE_BYTES_CONFIG, bytes));
            }
        });
        if (settings.chunks() != null) {
            String chunks = settings.chunks().topic();
            TopicAdmin.Facts c = facts.get(chunks);
            if (!TopicConfig.CLEANUP_POLICY_COMPACT.equals(c.cleanupPolicy())) {
                errors.add(String.format("the chunks topic %s (%s) has cleanup.policy=%s, so it would not hold exactly the current chunks: set "
                        + "cleanup.policy=compact on it (" + KAFKA_CONFIGS + ") or name another topic in %s", chunks, ChunksConfig.CHUNKS_TOPIC,
                        c.cleanupPolicy(), chunks, TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT, ChunksConfig.CHUNKS_TOPIC));
            }
            int out = facts.get(settings.outputTopic()).partitions();
            if (c.partitions() != out) {
                errors.add(String.format("the chunks topic %s (%s) has %d partitions and the output topic %s (%s) has %d: a document's chunks share "
                        + "its record's partition only with equal counts; give %s a topic with %d partitions (README \"Feeding a vector index\")",
                        chunks, ChunksConfig.CHUNKS_TOPIC, c.partitions(), settings.outputTopic(), TopicsConfig.OUTPUT_TOPIC, out,
                        ChunksConfig.CHUNKS_TOPIC, out));
            }
        }
        return errors;
    }
}
