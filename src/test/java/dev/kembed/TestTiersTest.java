package dev.kembed;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * {@code mvn test} is the fast tier: no broker, registry, child JVM or demo. Every test class that
 * starts one of those is marked {@code @IntegrationTest} and runs under {@code mvn verify} only;
 * and no fast test sleeps for a fixed time or bounds the wall clock.
 */
class TestTiersTest {
    static final Path TESTS = Path.of("src/test/java/dev/kembed");
    static final Pattern STARTS_SOMETHING = Pattern.compile(
            "new KafkaCluster\\(|ChildKembed\\.start|extends BrokerTestBase|EmbeddedKafkaBroker\\.start|KembedApp\\.start|new ProcessBuilder"
                    + "|execute\\(\"(demo|run)\"");
    static final Pattern FIXED_SLEEP = Pattern.compile("Thread\\.sleep\\(|TimeUnit\\.\\w+\\.sleep\\(");

    static List<Path> testClasses() throws IOException {
        try (Stream<Path> files = Files.walk(TESTS)) {
            return files.filter(p -> p.getFileName().toString().endsWith("Test.java")).toList();
        }
    }

    static boolean slowTier(String src) {
        return src.contains("@IntegrationTest") || src.contains("@AccuracyTest");
    }

    @Test
    void everyTestThatStartsABrokerRegistryOrJvmIsAnIntegrationTest() throws IOException {
        List<String> unmarked = new ArrayList<>();
        int marked = 0;
        for (Path f : testClasses()) {
            String src = Files.readString(f);
            if (STARTS_SOMETHING.matcher(src).find()) {
                if (src.contains("@IntegrationTest")) {
                    marked++;
                } else {
                    unmarked.add(TESTS.relativize(f).toString());
                }
            }
        }
        assertThat(unmarked).isEmpty();
        assertThat(marked).as("the scan finds the integration tests").isGreaterThanOrEqualTo(9);
    }

    @Test
    void fastTestsNeitherSleepNorBoundTheWallClock() throws IOException {
        List<String> found = new ArrayList<>();
        for (Path f : testClasses()) {
            String src = Files.readString(f);
            if (slowTier(src) || f.getFileName().toString().equals("TestTiersTest.java")) {
                continue;
            }
            if (FIXED_SLEEP.matcher(src).find()) {
                found.add(TESTS.relativize(f) + ": sleeps");
            }
            if (src.contains("System.nanoTime() - t0") && src.contains("isLessThan(")) {
                found.add(TESTS.relativize(f) + ": bounds the wall clock");
            }
        }
        assertThat(found).isEmpty();
    }
}
