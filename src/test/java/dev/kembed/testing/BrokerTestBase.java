package dev.kembed.testing;

import java.nio.file.Path;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** One real KRaft cluster and one tiny model per test class. */
public abstract class BrokerTestBase {
    @TempDir
    protected static Path tmp;

    protected static KafkaCluster kafka;
    protected static Path model;

    @BeforeAll
    static void startCluster() throws Exception {
        kafka = new KafkaCluster();
        model = TestModels.tiny(tmp.resolve("tiny"));
    }

    @AfterAll
    static void stopCluster() throws Exception {
        kafka.close();
    }

    /**
     * A kembed on this cluster with the tiny model on one thread, reading {@code <name>-in} and writing
     * {@code <name>-out}, as application {@code kembed-<scope>-<name>} with the mock registry
     * {@code mock://<scope>-<name>}, committing every 100 ms; a test adds what it is about (TestSupport.kembedConfig is the fuller one, with short timeouts).
     */
    protected static Properties minimalConfig(String scope, String name) {
        Properties p = new Properties();
        p.put("bootstrap.servers", kafka.bootstrap());
        p.put("application.id", "kembed-" + scope + "-" + name);
        p.put("kembed.model.dir", model.toString());
        p.put("kembed.model.threads", "1");
        p.put("kembed.input.topic", name + "-in");
        p.put("kembed.output.topic", name + "-out");
        p.put("kembed.schema.registry.url", "mock://" + scope + "-" + name);
        p.put("commit.interval.ms", "100");
        return p;
    }
}
