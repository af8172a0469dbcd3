package dev.kembed.model;

import dev.kembed.engine.Precision;
import dev.kembed.engine.BatchResult;
import dev.kembed.engine.EngineWindow;
import dev.kembed.engine.WindowBatch;
import dev.kembed.engine.onnxruntime.OnnxRuntimeEngine;
import dev.kembed.model.arch.Checkpoint;
import dev.kembed.model.checkpoint.SafetensorsFile;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Parity with Hugging Face transformers (LongformerModel, XLMRobertaModel) on fixtures made outside
 * the project with transformers 5.18 (committed under src/test/resources/fixtures, made by the
 * scripts there and in ../shared/fixtures): {@code last_hidden_state} on non-pad rows, and
 * document vectors under kembed's window rule.
 */
class HfParityTest {
    static Optional<Path> fixture(String name) {
        return List.of(Path.of("src/test/resources/fixtures", name), Path.of("../shared/fixtures", name)).stream()
                .filter(p -> Files.isRegularFile(p.resolve("cases.safetensors"))).findFirst();
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"hf-longformer-tiny", "hf-xlm-roberta-tiny", "hf-modernbert-tiny",
        "hf-modernbert-legacy-tiny", "hf-nomic-bert-tiny", "hf-nomic-bert-remote-config-tiny", "hf-bert-tiny", "hf-roberta-tiny",
        "hf-distilbert-tiny", "hf-mpnet-tiny", "hf-qwen3-tiny"})
    void everyCaseMatchesTransformers(String name) {
        Optional<Path> dir = fixture(name);
        assertThat(dir).as("fixture %s is committed under src/test/resources/fixtures", name).isPresent();
        Checkpoint ckpt = Checkpoint.load(dir.get());
        Map<String, SafetensorsFile.Entry> cases = SafetensorsFile.read(dir.get().resolve("cases.safetensors"));
        int h = ckpt.config().hiddenSize();
        List<Integer> ks = Stream.iterate(0, k -> cases.containsKey("case" + k + ".input_ids"), k -> k + 1).toList();
        assertThat(ks).isNotEmpty();
        try (OnnxRuntimeEngine engine = new OnnxRuntimeEngine(ckpt, "hf", 1, 1, true, Precision.FP32)) {
            for (int k : ks) {
                SafetensorsFile.Entry idsE = cases.get("case" + k + ".input_ids");
                int b = idsE.shape()[0];
                int l = idsE.shape()[1];
                long[] ids = idsE.toLongs();
                long[] am = cases.get("case" + k + ".attention_mask").toLongs();
                SafetensorsFile.Entry gmE = cases.get("case" + k + ".global_attention_mask");
                long[] gm = gmE == null ? null : gmE.toLongs();
                double[] want = cases.get("case" + k + ".last_hidden_state").toDoubles();
                List<EngineWindow> ws = new ArrayList<>();
                List<Integer> lens = new ArrayList<>();
                for (int i = 0; i < b; i++) {
                    int len = 0;
                    for (int t = 0; t < l; t++) {
                        len += am[i * l + t] != 0 ? 1 : 0;
                    }
                    int[] wi = new int[len];
                    int[] wg = new int[len];
                    for (int t = 0; t < len; t++) {
                        wi[t] = (int) ids[i * l + t];
                        wg[t] = gm == null ? 0 : (int) gm[i * l + t];
                    }
                    ws.add(new EngineWindow(wi, gm == null ? null : wg, new int[len]));
                    lens.add(len);
                }
                BatchResult got = engine.embed(new WindowBatch(ws, true));
                double worst = 0;
                for (int i = 0; i < b; i++) {
                    float[][] states = got.windows().get(i).tokenStates();
                    for (int t = 0; t < lens.get(i); t++) {
                        for (int c = 0; c < h; c++) {
                            worst = Math.max(worst, Math.abs(states[t][c] - want[(i * l + t) * h + c]));
                        }
                    }
                }
                System.out.printf("HF parity %s case %d: max abs %.3g%n", name, k, worst);
                assertThat(worst).as("case %d", k).isLessThanOrEqualTo(1e-4);
            }
        }
    }

    /**
     * {@code documents.json}: texts of one window, a paragraph and several windows, with document
     * vectors transformers computed in float64 under kembed's rule (content tokens cut into windows
     * of max_tokens - 2, each run as {@code <s>} + content + {@code </s>}; mean over content tokens,
     * cls weighted by each window's content tokens). kembed's tokenizer gives the same content ids.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"hf-xlm-roberta-tiny", "hf-modernbert-tiny", "hf-modernbert-legacy-tiny",
        "hf-nomic-bert-tiny", "hf-nomic-bert-remote-config-tiny", "hf-bert-tiny", "hf-roberta-tiny", "hf-distilbert-tiny", "hf-mpnet-tiny",
        "hf-qwen3-tiny"})
    void documentVectorsMatchTransformersUnderTheWindowRule(String name) throws Exception {
        Path dir = fixture(name).orElseThrow();
        com.fasterxml.jackson.databind.JsonNode docs = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(dir.resolve("documents.json").toFile()).get("documents");
        double worst = 0;
        int multiWindow = 0;
        int poolings = 0;
        for (dev.kembed.text.Pooling pooling : dev.kembed.text.Pooling.values()) {
            if (!docs.elements().next().has(pooling.label())) {
                continue; // the rule the fixture was made under (encoders: mean and cls; decoders: mean and last)
            }
            poolings++;
            try (dev.kembed.app.KembedModel m = dev.kembed.testing.TestModels.open(dir, false)) {
                for (var it = docs.fields(); it.hasNext(); ) {
                    var e = it.next();
                    com.fasterxml.jackson.databind.JsonNode d = e.getValue();
                    var settings = new dev.kembed.text.EmbeddingSettings(pooling, dev.kembed.text.GlobalAttention.AUTO, false,
                            d.get("max_tokens").asInt(), 0);
                    var plan = m.plan(settings, dev.kembed.text.WindowPlan.SettingNames.CLI);
                    int[] ids = plan.tokenize(d.get("text").asText()).ids();
                    int[] want = new int[d.get("content_ids").size()];
                    for (int i = 0; i < want.length; i++) {
                        want[i] = d.get("content_ids").get(i).asInt();
                    }
                    assertThat(ids).as("%s: content ids of '%s'", name, e.getKey()).containsExactly(want);
                    var v = new dev.kembed.embed.DirectEmbedder(plan, m.engine(), 4096).embed(d.get("text").asText());
                    assertThat(v.windows()).hasSize(d.get("windows").size());
                    multiWindow += v.windows().size() > 2 ? 1 : 0;
                    com.fasterxml.jackson.databind.JsonNode ref = d.get(pooling.label());
                    for (int c = 0; c < ref.size(); c++) {
                        worst = Math.max(worst, Math.abs(v.vector()[c] - ref.get(c).asDouble()));
                    }
                }
            }
        }
        System.out.printf("HF parity %s documents (%d poolings): max abs %.3g%n", name, poolings, worst);
        assertThat(poolings).isEqualTo(2);
        assertThat(multiWindow).as("the long text spans several windows").isPositive();
        assertThat(worst).isLessThanOrEqualTo(1e-5);
    }
}
