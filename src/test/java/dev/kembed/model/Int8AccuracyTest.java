package dev.kembed.model;

import dev.kembed.testing.Vectors;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kembed.testing.AccuracyTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kembed.app.KembedModel;
import dev.kembed.engine.EngineSpec;
import dev.kembed.engine.Precision;
import dev.kembed.embed.DirectEmbedder;
import dev.kembed.testing.Sentences;
import dev.kembed.testing.TestModels;
import dev.kembed.text.EmbeddingSettings;
import dev.kembed.text.GlobalAttention;
import dev.kembed.text.Pooling;
import dev.kembed.text.WindowPlan;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What int8 costs in accuracy on real pretrained weights (the demo model, long MiniLM): document
 * vectors against fp32, paraphrase ranking, and nearest neighbours over the bundled demo documents.
 */
@AccuracyTest
class Int8AccuracyTest {
    @TempDir
    static Path tmp;

    static KembedModel fp32;
    static KembedModel int8;
    static DirectEmbedder fp32Embedder;
    static DirectEmbedder int8Embedder;
    static List<String> documents = new ArrayList<>();
    static List<float[]> fp32Vectors;
    static List<float[]> int8Vectors;

    @BeforeAll
    static void open() throws Exception {
        Path dir = TestModels.longMiniLm(tmp.resolve("long"));
        fp32 = KembedModel.open(dir, new EngineSpec("onnxruntime-cpu", Precision.FP32, 2, 1, false), "--engine");
        int8 = KembedModel.open(dir, new EngineSpec("onnxruntime-cpu", Precision.INT8, 2, 1, false), "--engine");
        EmbeddingSettings settings = new EmbeddingSettings(Pooling.MEAN, GlobalAttention.NONE, true, 0, 0);
        fp32Embedder = new DirectEmbedder(fp32.plan(settings, WindowPlan.SettingNames.CLI), fp32.engine(), 16384);
        int8Embedder = new DirectEmbedder(int8.plan(settings, WindowPlan.SettingNames.CLI), int8.engine(), 16384);
        ObjectMapper json = new ObjectMapper();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                Int8AccuracyTest.class.getResourceAsStream("/kembed/demo/documents.jsonl"), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (!line.isBlank()) {
                    JsonNode doc = json.readTree(line);
                    documents.add(doc.get("text").asText());
                }
            }
        }
        // the demo set holds five long documents (up to 35k tokens): embed each once per precision
        fp32Vectors = documents.stream().map(t -> fp32Embedder.embed(t).vector()).toList();
        int8Vectors = documents.stream().map(t -> int8Embedder.embed(t).vector()).toList();
    }

    @AfterAll
    static void close() {
        fp32.close();
        int8.close();
    }

    @Test
    void int8IsNamedAsSuchInTheModelIdentity() {
        assertThat(int8.engine().info().precision()).isEqualTo(Precision.INT8);
        assertThat(int8.engine().info().modelFingerprint()).isEqualTo(fp32.engine().info().modelFingerprint() + "-int8");
    }

    @Test
    void demoDocumentVectorsStayWithinCosine099OfFp32() {
        assertThat(documents).hasSizeGreaterThanOrEqualTo(20);
        double min = 1;
        double sum = 0;
        for (int i = 0; i < documents.size(); i++) {
            double c = Vectors.cosine(fp32Vectors.get(i), int8Vectors.get(i));
            min = Math.min(min, c);
            sum += c;
        }
        double mean = sum / documents.size();
        System.out.printf("int8 vs fp32 over %d demo documents: min cosine %.5f, mean %.5f%n", documents.size(), min, mean);
        assertThat(min).isGreaterThanOrEqualTo(0.99);
        assertThat(mean).isGreaterThanOrEqualTo(0.995);
    }

    @Test
    void everyParaphrasePairStaysCloserThanEveryUnrelatedPair() {
        double closestUnrelated = -1;
        double furthestParaphrase = 1;
        for (String[] triple : Sentences.PARAPHRASES) {
            float[] anchor = int8Embedder.embed(triple[0]).vector();
            furthestParaphrase = Math.min(furthestParaphrase, Vectors.cosine(anchor, int8Embedder.embed(triple[1]).vector()));
            closestUnrelated = Math.max(closestUnrelated, Vectors.cosine(anchor, int8Embedder.embed(triple[2]).vector()));
        }
        System.out.printf("int8: least similar paraphrase %.3f, most similar unrelated %.3f%n", furthestParaphrase, closestUnrelated);
        assertThat(furthestParaphrase).isGreaterThan(closestUnrelated);
    }

    @Test
    void nearestNeighboursOfDemoDocumentsAreKept() {
        int same = 0;
        for (int i = 0; i < documents.size(); i++) {
            if (nearest(fp32Vectors, i) == nearest(int8Vectors, i)) {
                same++;
            }
        }
        System.out.printf("int8 keeps the nearest neighbour of %d of %d demo documents%n", same, documents.size());
        assertThat((double) same / documents.size()).isGreaterThanOrEqualTo(0.9);
    }

    private static int nearest(List<float[]> vectors, int of) {
        int best = -1;
        double bestCos = -2;
        for (int j = 0; j < vectors.size(); j++) {
            double c = j == of ? -2 : Vectors.cosine(vectors.get(of), vectors.get(j));
            if (c > bestCos) {
                bestCos = c;
                best = j;
            }
        }
        return best;
    }
}
