package dev.kembed.app;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.GroupNotEmptyException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin side of a Kafka Streams application of this process: where it stands on the input
 * topic (its committed offsets), and deleting everything it keeps (consumer group, changelog
 * topics, local state) once it is retired (a rollout aborted or replaced, the live application
 * before a cutover) and no instance runs it any more. And whether the input topic holds every
 * live document, which a rollout needs since it reads it from its beginning.
 */
final class ApplicationState implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ApplicationState.class);

    private final Admin admin;

    ApplicationState(Properties clientProps) {
        this.admin = Admin.create(clientProps);
    }

    /**
     * Null when {@code topic} keeps every key's latest record (compacted, or infinite retention),
     * else why not and what to change.
     */
    String holdsEveryDocument(String topic, String settingToName) {
        ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        Config c = TopicAdmin.get(admin.describeConfigs(List.of(r)).all(), "describe " + topic).get(r);
        String policy = value(c, TopicConfig.CLEANUP_POLICY_CONFIG);
        String retentionMs = value(c, TopicConfig.RETENTION_MS_CONFIG);
        String retentionBytes = value(c, TopicConfig.RETENTION_BYTES_CONFIG);
        if (policy.contains(TopicConfig.CLEANUP_POLICY_COMPACT) && !policy.contains(TopicConfig.CLEANUP_POLICY_DELETE)) {
            return null;
        }
        if ("-1".equals(retentionMs) && "-1".equals(retentionBytes)) {
            return null;
        }
        return settingToName + ": a rollout reads the input topic " + topic + " from its beginning, but it keeps records only for a while "
                + "(cleanup.policy=" + policy + ", retention.ms=" + retentionMs + ", retention.bytes=" + retentionBytes + "), so documents older "
                + "than that would be missing from the rollout topic. Set cleanup.policy=compact on " + topic + " (or retention.ms=-1 and "
                + "retention.bytes=-1): kafka-configs.sh --alter --entity-type topics --entity-name " + topic
                + " --add-config cleanup.policy=compact";
    }

    /**
     * Where a rollout stands against the live pipeline on {@code topic}, from the two applications'
     * committed offsets (a partition with none counts from its first offset still there).
     *
     * @param behind       records the live pipeline has consumed and the rollout has not
     * @param livePosition the live pipeline's offsets, summed: a measure is current while this has not moved
     * @param live         the live pipeline's next offset per partition
     */
    record Standing(long behind, long livePosition, Map<Integer, Long> live) {}

    Standing standing(String liveId, String rolloutId, String topic) {
        List<TopicPartition> partitions = TopicAdmin.get(admin.describeTopics(List.of(topic)).allTopicNames(), "describe " + topic).get(topic)
                .partitions().stream().map(p -> new TopicPartition(topic, p.partition())).toList();
        Map<TopicPartition, Long> earliest = earliest(partitions);
        Map<TopicPartition, Long> liveAt = committed(liveId, topic);
        Map<TopicPartition, Long> rolloutAt = committed(rolloutId, topic);
        Map<Integer, Long> live = new HashMap<>();
        long behind = 0;
        long position = 0;
        for (TopicPartition tp : partitions) {
            long start = earliest.getOrDefault(tp, 0L);
            long l = liveAt.getOrDefault(tp, start);
            live.put(tp.partition(), l);
            position += l;
            behind += Math.max(0, l - Math.max(rolloutAt.getOrDefault(tp, start), start));
        }
        return new Standing(behind, position, Map.copyOf(live));
    }

    /** The application's committed offset per partition of {@code topic} (absent: nothing committed there). */
    private Map<TopicPartition, Long> committed(String applicationId, String topic) {
        Map<TopicPartition, OffsetAndMetadata> all = TopicAdmin.get(admin.listConsumerGroupOffsets(applicationId).partitionsToOffsetAndMetadata(),
                "read the committed offsets of " + applicationId);
        Map<TopicPartition, Long> out = new HashMap<>();
        all.forEach((tp, o) -> {
            if (tp.topic().equals(topic) && o != null) {
                out.put(tp, o.offset());
            }
        });
        return out;
    }

    /** The first offset still in each of {@code partitions}. */
    private Map<TopicPartition, Long> earliest(Collection<TopicPartition> partitions) {
        Map<TopicPartition, OffsetSpec> spec = partitions.stream().collect(Collectors.toMap(p -> p, p -> OffsetSpec.earliest()));
        return TopicAdmin.get(admin.listOffsets(spec).all(), "list offsets").entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
    }

    /** Deletes {@code applicationId}'s local state directory under {@code stateDir}: this process no longer runs it. */
    static void deleteLocal(String applicationId, Path stateDir) {
        Path local = stateDir.resolve(applicationId);
        if (!Files.isDirectory(local)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(local)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            LOG.warn("cannot delete the local state of {} in {}: {}", applicationId, local, e.toString());
        }
    }

    /**
     * Deletes what {@code applicationId} keeps in the cluster (its consumer group, so its offsets,
     * and its changelog topics) once no instance runs it any more: true when it is gone, false
     * while its group still has members (an instance not restarted yet, or one stopped less than a
     * session timeout ago: Kafka Streams does not leave its group on close).
     */
    boolean deleteIfIdle(String applicationId) {
        ConsumerGroupDescription group;
        try {
            group = admin.describeConsumerGroups(List.of(applicationId)).all().get(60, TimeUnit.SECONDS).get(applicationId);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof GroupIdNotFoundException)) {
                LOG.debug("cannot describe the consumer group {}: {}", applicationId, e.getCause().toString());
                return false;
            }
            group = null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (TimeoutException e) {
            return false;
        }
        if (group != null && !group.members().isEmpty()) {
            return false;
        }
        try {
            if (group != null && group.groupState() != GroupState.DEAD) {
                admin.deleteConsumerGroups(List.of(applicationId)).all().get(60, TimeUnit.SECONDS);
            }
        } catch (ExecutionException e) {
            if (e.getCause() instanceof GroupNotEmptyException) {
                return false;
            }
            if (!(e.getCause() instanceof GroupIdNotFoundException)) {
                LOG.warn("cannot delete the consumer group {}: {}", applicationId, e.getCause().toString());
                return false;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (TimeoutException e) {
            return false;
        }
        // every store of the topology is named kembed-*, so its changelogs are <application id>-kembed-*-changelog
        String prefix = applicationId + "-kembed-";
        List<String> changelogs = TopicAdmin.get(admin.listTopics().names(), "list topics").stream()
                .filter(t -> t.startsWith(prefix) && (t.endsWith("-changelog") || t.endsWith("-repartition"))).toList();
        if (!changelogs.isEmpty()) {
            TopicAdmin.get(admin.deleteTopics(changelogs).all(), "delete the changelogs of " + applicationId);
        }
        LOG.info("deleted the state of {}: its consumer group and {} changelog topics", applicationId, changelogs.size());
        return true;
    }

    private static String value(Config c, String name) {
        ConfigEntry e = c.get(name);
        return e == null || e.value() == null ? "" : e.value();
    }

    @Override
    public void close() {
        admin.close();
    }
}
