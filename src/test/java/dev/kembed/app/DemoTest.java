package dev.kembed.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kembed.cli.KembedCli;
import dev.kembed.testing.IntegrationTest;
import dev.kembed.testing.TestModels;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kembed demo} end to end: embedded broker, real-weights model, every document, the table. */
@IntegrationTest
class DemoTest {
    @TempDir
    Path tmp;

    @Test
    void demoRunsOnItsEmbeddedDefaultsAndPrintsTheTable() {
        long t0 = System.nanoTime();
        Path model = TestModels.longMiniLm(tmp.resolve("minilm-long"));
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        int rc;
        try {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            rc = KembedCli.execute("demo", "--model", model.toString(), "--data-dir", tmp.resolve("data").toString());
        } finally {
            System.setOut(original);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        String out = captured.toString(StandardCharsets.UTF_8);
        System.out.println(out);
        System.out.printf("demo took %.1f s%n", seconds); // reported, never asserted: CI machines vary
        assertThat(rc).isZero();
        assertThat(out).contains("nearest neighbours");
        assertThat(out).containsPattern("vim-user-manual-1-9\\s+\\d+\\s+\\d+");
        // the vectors mean something: topic pairs find each other
        assertThat(out).containsPattern("(?m)^bread-baking\\s+sourdough-starter");
        assertThat(out).containsPattern("(?m)^kafka-consumer-groups\\s+(kafka-partitions|stream-processing-state)");
        assertThat(out).containsPattern("(?m)^licence-gpl-3\\s+licence-");
        assertThat(out.lines().filter(l -> l.matches("^[a-z0-9.-]+\\s+\\d+\\s+\\d+\\s+\\d+ ms.*")).count()).isEqualTo(28);
    }
}
