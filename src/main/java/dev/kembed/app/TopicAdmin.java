package dev.kembed.app;

import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Creates kembed's topics where missing, or refuses to start when creation is switched off. Topics
 * named in {@code compacted} are created with {@code cleanup.policy=compact}: the chunks topic,
 * whose compacted view is the current chunks of every live document.
 */
public final class TopicAdmin {
    private TopicAdmin() {}

    public static void ensure(Properties clientProps, List<String> topics, boolean create, int partitions, short replication) {
        ensure(clientProps, topics, Set.of(), create, partitions, replication);
    }

    public static void ensure(Properties clientProps, List<String> topics, Set<String> compacted, boolean create, int partitions, short replication) {
        try (Admin admin = Admin.create(clientProps)) {
            Set<String> existing = admin.listTopics().names().get(60, TimeUnit.SECONDS);
            List<NewTopic> missing = new ArrayList<>();
            for (String t : topics) {
                if (!existing.contains(t)) {
                    NewTopic topic = new NewTopic(t, partitions, replication);
                    missing.add(compacted.contains(t) ? topic.configs(java.util.Map.of("cleanup.policy", "compact")) : topic);
                }
            }
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
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("cannot reach the Kafka cluster to check topics: " + e.getMessage(), e);
        }
    }
}
