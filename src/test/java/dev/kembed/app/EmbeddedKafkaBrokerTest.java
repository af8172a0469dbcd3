package dev.kembed.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kembed.testing.IntegrationTest;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@IntegrationTest
class EmbeddedKafkaBrokerTest {
    @TempDir
    Path tmp;

    @Test
    void dataSurvivesARestartWithTheSameDataDir() throws Exception {
        String first;
        try (EmbeddedKafkaBroker b = EmbeddedKafkaBroker.start(tmp)) {
            first = b.bootstrapServers();
            try (Admin a = Admin.create(props(first))) {
                a.createTopics(List.of(new NewTopic("kept", 2, (short) 1))).all().get();
            }
        }
        try (EmbeddedKafkaBroker b = EmbeddedKafkaBroker.start(tmp)) {
            assertThat(b.bootstrapServers()).as("same port after restart").isEqualTo(first);
            try (Admin a = Admin.create(props(b.bootstrapServers()))) {
                Set<String> names = a.listTopics().names().get();
                assertThat(names).contains("kept");
            }
        }
    }

    static Properties props(String bootstrap) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        return p;
    }
}
