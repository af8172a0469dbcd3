package dev.kembed.it;

import dev.kembed.testing.Vectors;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kembed.app.KembedConfig;
import dev.kembed.app.KembedModel;
import dev.kembed.embed.DirectEmbedder;
import dev.kembed.testing.BrokerTestBase;
import dev.kembed.testing.ChildKembed;
import dev.kembed.testing.FaultEngineProvider;
import dev.kembed.testing.IntegrationTest;
import dev.kembed.testing.JsonDocuments;
import dev.kembed.testing.TestModels;
import dev.kembed.testing.TestSupport;
import dev.kembed.text.WindowPlan;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * kembed killed with SIGKILL while a document is in flight (an engine slowed to one window per
 * 700 ms, the document a few windows long), restarted on the same state with changed settings:
 * the document comes out once, equal to what the synchronous path ({@code kembed embed}'s
 * {@link DirectEmbedder}) gives with the new settings, and the process stays up. Before the
 * fingerprint, (a) mixed two prompts into one vector, (b) threw ArrayIndexOutOfBounds in the
 * stream thread until the process exited, (c) mixed two poolings.
 */
@IntegrationTest
class ModelChangeRestartIntegrationTest extends BrokerTestBase {
    static final String TEXT = TestModels.longText(220) + " #restart";

    @Test
    void aPromptAdded() throws Exception {
        restartWith("prompt", cfg -> cfg.put("kembed.prompt", "search_document: "));
    }

    @Test
    void aModelOfASmallerDimension() throws Exception {
        Path narrow = TestModels.narrow(tmp.resolve("narrow"));
        restartWith("narrow", cfg -> cfg.put("kembed.model.dir", narrow.toString()));
    }

    @Test
    void clsPoolingInsteadOfMean() throws Exception {
        restartWith("pooling", cfg -> cfg.put("kembed.pooling", "cls"));
    }

    static Properties config(String name, int metricsPort) {
        Properties cfg = TestSupport.kembedConfig(name, kafka.bootstrap(), model, metricsPort);
        cfg.put("kembed.engine", FaultEngineProvider.NAME);
        cfg.put("kembed.window.max.tokens", "64");
        cfg.put("kembed.batch.max.tokens", "64"); // one window per engine call: the document stays in flight for several calls
        cfg.put("kembed.pooling", "mean");
        return cfg;
    }

    private void restartWith(String name, Consumer<Properties> change) throws Exception {
        kafka.createTopic(name + "-in", 1);
        Path dir = tmp.resolve(name);
        try (CrashRecoveryTest.OutputWatcher out = new CrashRecoveryTest.OutputWatcher(name + "-out")) {
            int portA = TestSupport.freePort();
            ChildKembed a = ChildKembed.start(config(name, portA), dir, name, Map.of(FaultEngineProvider.ENV, "slow=700"));
            try {
                kafka.send(name + "-in", List.of(JsonDocuments.document(name + "-in", "doc", TEXT)));
                // two windows done (and committed: commit.interval.ms is 200), the others still to come
                TestSupport.await("two engine calls of the document", Duration.ofSeconds(60), () -> a.metric("kembed_batch_windows_count"),
                        n -> n >= 2);
                Thread.sleep(600);
                out.pollUntil(1, Duration.ofMillis(300));
                assertThat(out.perKey).as("still in flight when killed\n%s", a.logTail()).isEmpty();
            } finally {
                a.kill();
            }

            Properties b = config(name, TestSupport.freePort());
            change.accept(b);
            try (ChildKembed child = ChildKembed.start(b, dir, name)) {
                int seen = out.pollUntil(1, Duration.ofSeconds(60));
                assertThat(seen).as("the document after the restart\n%s", child.logTail()).isEqualTo(1);
                out.pollUntil(2, Duration.ofSeconds(2)); // a second record would show here
                assertThat(out.perKey).as("exactly one record for the document").containsExactly(Map.entry("doc", 1));
                float[] want = synchronous(b);
                float[] got = out.vectors.get("doc");
                assertThat(got).as("the new settings' dimension").hasSize(want.length);
                double cos = Vectors.cosine(got, want);
                System.out.printf("%s: cosine to kembed embed with the new settings %.7f%n", name, cos);
                assertThat(cos).isGreaterThanOrEqualTo(0.9999);
                assertThat(child.metric("kembed_documents_recomputed_total")).as("recomputed\n%s", child.logTail()).isGreaterThanOrEqualTo(1);
                assertThat(child.alive()).as("the process stays up\n%s", child.logTail()).isTrue();
                assertThat(child.log()).doesNotContain("ArrayIndexOutOfBoundsException");
            }
        }
    }

    /** What {@code kembed embed} gives for the text with these settings: the same config, the same synchronous path. */
    static float[] synchronous(Properties cfg) {
        KembedConfig c = KembedConfig.from(cfg, Map.of());
        // the engine with the global-attention path when the settings ask for it (cls pooling: kembed.global.attention=auto)
        try (KembedModel m = TestModels.open(Path.of(cfg.getProperty("kembed.model.dir")), c.embeddingSettings().globalCls())) {
            WindowPlan plan = m.plan(c.embeddingSettings(), WindowPlan.SettingNames.CONFIG);
            return new DirectEmbedder(plan, m.engine(), 4096).embed(TEXT).vector();
        }
    }

}
