package dev.kembed.app;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * The admin calls kembed's start-up makes: which topics exist, creating the missing ones (or
 * refusing to start when creation is switched off), and what an existing topic is (partitions,
 * {@code max.message.bytes} and {@code cleanup.policy}, as the broker applies them: its own default
 * where the topic does not override it).
 */
public final class TopicAdmin implements AutoCloseable {
    /** What start-up needs to know of a topic. */
    public record Facts(int partitions, int maxMessageBytes, String cleanupPolicy) {}

    private final Admin admin;

    TopicAdmin(Properties clientProps) {
        this.admin = Admin.create(clientProps);
    }

    /** Creates the missing ones of {@code topics} with {@code partitions} partitions and no topic configs (tools, benches). */
    public static void ensure(Properties clientProps, List<String> topics, boolean create, int partitions, short replication) {
        try (TopicAdmin a = new TopicAdmin(clientProps)) {
            Set<String> existing = a.existing();
            a.create(topics.stream().filter(t -> !existing.contains(t)).map(t -> new NewTopic(t, partitions, replication)).toList(), create);
        }
    }

    Set<String> existing() {
        return get(admin.listTopics().names(), "list topics");
    }

    /** Creates {@code missing}, or refuses to start naming them when {@code create} is false. */
    void create(List<NewTopic> missing, boolean create) {
        if (missing.isEmpty()) {
            return;
        }
        if (!create) {
            throw new IllegalStateException("topics " + missing.stream().map(NewTopic::name).toList()
                    + " do not exist and kembed.topics.create=false; create them or set kembed.topics.create=true");
        }
        for (NewTopic t : missing) {
            try {
                admin.createTopics(List.of(t)).all().get(60, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw new IllegalStateException("cannot create topic " + t.name() + ": " + e.getCause().getMessage(), e);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while creating topics", e);
            } catch (TimeoutException e) {
                throw new IllegalStateException("cannot reach the Kafka cluster to create topic " + t.name() + ": " + e.getMessage(), e);
            }
        }
    }

    /**
     * Partitions and the configs start-up checks, of each of {@code topics} (all must exist). A topic
     * created a moment ago may not be known to the broker that answers yet: asked again for up to 30 s.
     */
    Map<String, Facts> describe(Collection<String> topics) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                return describeOnce(topics);
            } catch (IllegalStateException e) {
                if (!(e.getCause() instanceof ExecutionException x && x.getCause() instanceof UnknownTopicOrPartitionException)
                        || System.nanoTime() > deadline) {
                    throw e;
                }
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while describing topics", e);
            }
        }
    }

    private Map<String, Facts> describeOnce(Collection<String> topics) {
        Map<String, TopicDescription> described = get(admin.describeTopics(topics).allTopicNames(), "describe topics");
        List<ConfigResource> resources = topics.stream().map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t)).toList();
        Map<ConfigResource, Config> configs = get(admin.describeConfigs(resources).all(), "describe topic configs");
        Map<String, Facts> out = new HashMap<>();
        for (ConfigResource r : resources) {
            Config c = configs.get(r);
            out.put(r.name(), new Facts(described.get(r.name()).partitions().size(),
                    Integer.parseInt(value(c, TopicConfig.MAX_MESSAGE_BYTES_CONFIG)), value(c, TopicConfig.CLEANUP_POLICY_CONFIG)));
        }
        return out;
    }

    /** Raises {@code topic}'s {@code max.message.bytes} to {@code bytes} (an internal topic kembed owns). */
    void raiseMaxMessageBytes(String topic, int bytes) {
        ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        AlterConfigOp op = new AlterConfigOp(new ConfigEntry(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(bytes)), AlterConfigOp.OpType.SET);
        get(admin.incrementalAlterConfigs(Map.of(r, new ArrayList<>(List.of(op)))).all(), "raise max.message.bytes of " + topic);
    }

    private static String value(Config c, String name) {
        ConfigEntry e = c.get(name);
        if (e == null || e.value() == null) {
            throw new IllegalStateException("the broker did not report " + name);
        }
        return e.value();
    }

    /** An admin call's result within 60 s; a failure says what was being done. */
    static <T> T get(org.apache.kafka.common.KafkaFuture<T> f, String what) {
        try {
            return f.get(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while trying to " + what, e);
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new IllegalStateException("cannot reach the Kafka cluster to " + what + ": " + cause.getMessage(), e);
        }
    }

    @Override
    public void close() {
        admin.close();
    }
}
