package dev.kembed.model;

import dev.kembed.testing.Vectors;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kembed.app.KembedModel;
import dev.kembed.embed.DirectEmbedder;
import dev.kembed.embed.DocumentVector;
import dev.kembed.text.EmbeddingSettings;
import dev.kembed.text.WindowPlan;
import dev.kembed.testing.Sentences;
import dev.kembed.testing.TestModels;
import dev.kembed.text.GlobalAttention;
import dev.kembed.text.Pooling;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The long, sliding-window MiniLM (the demo's default model): its vectors mean something. */
class LongMiniLmTest {
    @TempDir
    static Path tmp;

    static KembedModel model;
    static DirectEmbedder embedder;

    @BeforeAll
    static void open() {
        model = KembedModel.open(TestModels.longMiniLm(tmp.resolve("long")), dev.kembed.engine.EngineSpec.cpu(2, 1, false), "--engine");
        embedder = new DirectEmbedder(model.plan(new EmbeddingSettings(Pooling.MEAN, GlobalAttention.NONE, true, 0, 0),
                WindowPlan.SettingNames.CLI), model.engine(), 16384);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    /** The demo model is BERT-family: no global projections, so cls pooling with global attention cannot run. */
    @Test
    void runWithTheDemoModelAndClsPoolingRefusesToStartNamingTheKeys() throws Exception {
        Path cfg = tmp.resolve("cls.properties");
        java.nio.file.Files.writeString(cfg, "kembed.model.dir=" + tmp.resolve("long") + "\nkembed.pooling=cls\n");
        dev.kembed.testing.Captured r = dev.kembed.testing.Captured.run("run", "--config", cfg.toString(), "--data-dir",
                tmp.resolve("never-used").toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.stderr()).contains("kembed.pooling=cls with kembed.global.attention=auto").contains("bert-family model long")
                .contains("use kembed.global.attention=none").contains("kembed.pooling=mean");
        assertThat(tmp.resolve("never-used")).as("refused before any broker or state was created").doesNotExist();
    }


    @Test
    void paraphrasesAreCloserThanUnrelatedSentences() {
        assertThat(model.config().maxTokens()).isEqualTo(4096);
        for (String[] triple : Sentences.PARAPHRASES) {
            float[] anchor = embedder.embed(triple[0]).vector();
            double para = Vectors.cosine(anchor, embedder.embed(triple[1]).vector());
            double unrelated = Vectors.cosine(anchor, embedder.embed(triple[2]).vector());
            System.out.printf("cos(paraphrase)=%.3f cos(unrelated)=%.3f  %s%n", para, unrelated, triple[0]);
            assertThat(para).as(triple[0]).isGreaterThan(unrelated + 0.1);
        }
    }

    @Test
    void longDocumentIsWindowedAndStillMatchesItsTopic() {
        StringBuilder kafka = new StringBuilder();
        StringBuilder baking = new StringBuilder();
        for (int i = 0; i < 400; i++) {
            kafka.append("Kafka brokers replicate partitions; consumers in a group commit offsets after processing records. ");
            baking.append("Knead the dough, let the bread rise, and bake the loaf until the crust is golden. ");
        }
        DocumentVector longKafka = embedder.embed(kafka.toString());
        assertThat(longKafka.windows()).hasSizeGreaterThan(1);
        float[] query = embedder.embed("How do Kafka consumer groups track their position?").vector();
        double toKafka = Vectors.cosine(query, longKafka.vector());
        double toBaking = Vectors.cosine(query, embedder.embed(baking.toString()).vector());
        System.out.printf("long docs: %d tokens, %d windows; cos(query, kafka)=%.3f cos(query, baking)=%.3f%n",
                longKafka.tokens(), longKafka.windows().size(), toKafka, toBaking);
        assertThat(toKafka).isGreaterThan(toBaking + 0.1);
    }
}
