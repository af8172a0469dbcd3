package dev.kembed.testing;

import java.nio.file.Path;
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
}
