package dev.kembed.it;

import dev.kembed.testing.IntegrationTest;
import dev.kembed.testing.TestSupport;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kembed.app.KembedApp;
import dev.kembed.app.KembedConfig;
import dev.kembed.testing.BrokerTestBase;
import dev.kembed.testing.Captured;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.WriterAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.junit.jupiter.api.Test;

/**
 * A full run with secrets in its configuration (Kafka's JAAS config and SSL password, the registry's
 * basic auth and trust-store password, a stray environment variable), every logger at INFO so that
 * Kafka's own config dumps are included: no secret appears in the log, an error or {@code --help}.
 */
@IntegrationTest
class SecretsInLogsTest extends BrokerTestBase {
    static final List<String> SECRETS = List.of("jaas-S3CRET-1", "ssl-S3CRET-2", "reg-S3CRET-3", "trust-S3CRET-4", "env-S3CRET-5");

    @Test
    void secretsNeverReachTheLog() throws Exception {
        String name = "secrets";
        Properties p = TestSupport.kembedConfig(name, kafka.bootstrap(), model, 0);
        p.put("sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"kembed\" password=\"jaas-S3CRET-1\";");
        p.put("ssl.key.password", "ssl-S3CRET-2");
        p.put("kembed.schema.registry.url", "mock://secrets");
        p.put("kembed.schema.registry.basic.auth.user.info", "kembed:reg-S3CRET-3");
        p.put("kembed.schema.registry.ssl.truststore.password", "trust-S3CRET-4");
        Map<String, String> env = Map.of("KEMBED_SCHEMA_REGISTRY_PASSWORD", "env-S3CRET-5");

        StringWriter log = new StringWriter();
        LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
        Configuration conf = ctx.getConfiguration();
        WriterAppender appender = WriterAppender.newBuilder().setName("secrets-test").setTarget(log)
                .setLayout(PatternLayout.newBuilder().withPattern("%level %c - %msg%n%throwable").build()).build();
        appender.start();
        conf.getRootLogger().addAppender(appender, Level.ALL, null);
        Map<String, Level> before = Map.of("org.apache.kafka", conf.getLoggerConfig("org.apache.kafka").getLevel(),
                "ai.djl", conf.getLoggerConfig("ai.djl").getLevel());
        Configurator.setLevel("org.apache.kafka", Level.INFO);
        Configurator.setLevel("ai.djl", Level.INFO);
        try (KembedApp app = KembedApp.start(KembedConfig.from(p, env), tmp.resolve(name))) {
            kafka.send(name + "-in", List.of(new ProducerRecord<>(name + "-in", "d".getBytes(StandardCharsets.UTF_8),
                    "{\"text\": \"a document\"}".getBytes(StandardCharsets.UTF_8))));
            assertThat(kafka.readCommitted(name + "-out", 1, Duration.ofMinutes(1))).hasSize(1);
        } finally {
            conf.getRootLogger().removeAppender("secrets-test");
            appender.stop();
            before.forEach(Configurator::setLevel);
        }
        String text = log.toString();
        assertThat(text).as("Kafka's config dumps were captured").contains("sasl.jaas.config = [hidden]").contains("ssl.key.password = [hidden]");
        assertThat(text).contains("ignoring environment variable KEMBED_SCHEMA_REGISTRY_PASSWORD");
        for (String secret : SECRETS) {
            assertThat(text).as("log contains " + secret).doesNotContain(secret);
        }
    }

    @Test
    void secretsNeverReachAnErrorOrTheHelp() {
        Properties p = new Properties();
        p.put("kembed.model.dir", "m");
        p.put("kembed.schema.registry.basic.auth.user.info", "no-colon-reg-S3CRET-3");
        p.put("kembed.schema.registry.bearer.auth.token", "tok-S3CRET-6");
        assertThatThrownBy(() -> KembedConfig.from(p, Map.of())).satisfies(e -> assertThat(e.getMessage())
                .contains("kembed.schema.registry.basic.auth.user.info must be user:password").contains("both set")
                .doesNotContain("S3CRET"));
        Captured help = Captured.run("run", "--help");
        assertThat(help.stdout() + help.stderr()).contains("kembed.schema.registry.basic.auth.user.info")
                .doesNotContain("S3CRET");
    }
}
