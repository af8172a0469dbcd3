package dev.kembed.it;

import dev.kembed.testing.IntegrationTest;
import dev.kembed.testing.TestSupport;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kembed.app.KembedApp;
import dev.kembed.app.KembedConfig;
import dev.kembed.testing.KafkaCluster;
import dev.kembed.testing.TestModels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.test.JaasUtils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real broker whose client listener is SASL_PLAINTEXT (PLAIN): kembed passes the Kafka security
 * settings through to every client it makes (admin, Streams) and works with the right
 * credentials; with a wrong password it does not start, and a client without SASL is refused.
 */
@IntegrationTest
class SaslIntegrationTest {
    @TempDir
    static Path tmp;

    static KafkaCluster kafka;
    static Path model;

    @BeforeAll
    static void start() throws Exception {
        kafka = new KafkaCluster(SecurityProtocol.SASL_PLAINTEXT);
        model = TestModels.tiny(tmp.resolve("tiny"));
        // the cluster authorizes: kembed's user gets what a Streams application needs, as an operator would grant it
        Properties admin = kafka.clientSecurity();
        admin.put("bootstrap.servers", kafka.bootstrap());
        try (Admin a = Admin.create(admin)) {
            String user = "User:" + JaasUtils.KAFKA_PLAIN_USER1;
            List<AclBinding> acls = new ArrayList<>();
            for (ResourceType type : List.of(ResourceType.TOPIC, ResourceType.GROUP, ResourceType.TRANSACTIONAL_ID)) {
                acls.add(new AclBinding(new ResourcePattern(type, "*", PatternType.LITERAL),
                        new AccessControlEntry(user, "*", AclOperation.ALL, AclPermissionType.ALLOW)));
            }
            acls.add(new AclBinding(new ResourcePattern(ResourceType.CLUSTER, "kafka-cluster", PatternType.LITERAL),
                    new AccessControlEntry(user, "*", AclOperation.ALL, AclPermissionType.ALLOW)));
            a.createAcls(acls).all().get(30, TimeUnit.SECONDS);
        }
    }

    @AfterAll
    static void stop() throws Exception {
        kafka.close();
    }

    static Properties config(String name, String user, String password) {
        Properties p = TestSupport.kembedConfig(name, kafka.bootstrap(), model, 0);
        p.put("security.protocol", "SASL_PLAINTEXT");
        p.put("sasl.mechanism", "PLAIN");
        p.put("sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + user + "\" password=\""
                + password + "\";");
        return p;
    }

    @Test
    void kembedWorksWithTheRightCredentials() throws Exception {
        String name = "sasl-ok";
        try (KembedApp app = KembedApp.start(KembedConfig.from(config(name, JaasUtils.KAFKA_PLAIN_USER1, JaasUtils.KAFKA_PLAIN_USER1_PASSWORD),
                Map.of()), tmp.resolve(name))) {
            List<ProducerRecord<byte[], byte[]>> docs = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                docs.add(new ProducerRecord<>(name + "-in", ("d" + i).getBytes(StandardCharsets.UTF_8),
                        ("{\"text\": \"secured document " + i + "\"}").getBytes(StandardCharsets.UTF_8)));
            }
            kafka.send(name + "-in", docs);
            assertThat(kafka.readCommitted(name + "-out", 5, Duration.ofMinutes(1))).hasSize(5);
        }
    }

    @Test
    void aWrongPasswordStopsStartUpNamingTheCause() {
        Properties p = config("sasl-bad", JaasUtils.KAFKA_PLAIN_USER1, "not-the-password");
        p.put("request.timeout.ms", "10000");
        p.put("default.api.timeout.ms", "15000");
        assertThatThrownBy(() -> KembedApp.start(KembedConfig.from(p, Map.of()), tmp.resolve("sasl-bad")))
                .hasMessageContaining("cannot reach the Kafka cluster").hasRootCauseInstanceOf(SaslAuthenticationException.class)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("not-the-password"));
    }

    @Test
    void aClientWithoutSaslIsRefused() {
        Properties p = new Properties();
        p.put("bootstrap.servers", kafka.bootstrap());
        p.put("request.timeout.ms", "3000");
        p.put("default.api.timeout.ms", "5000");
        try (Admin plain = Admin.create(p)) {
            assertThatThrownBy(() -> plain.listTopics().names().get(10, TimeUnit.SECONDS))
                    .isInstanceOfAny(ExecutionException.class, java.util.concurrent.TimeoutException.class);
        }
    }
}
