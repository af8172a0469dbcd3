package dev.kembed.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kembed.engine.EngineInfo;
import dev.kembed.engine.EngineWindow;
import dev.kembed.engine.Precision;
import dev.kembed.engine.WindowBatch;
import dev.kembed.engine.WindowResult;
import dev.kembed.engine.djl.DjlModelRunner;
import dev.kembed.engine.djl.GraphCall;
import dev.kembed.engine.djl.PaddedBatch;
import dev.kembed.engine.onnxruntime.OnnxRuntimeEngine;
import dev.kembed.model.arch.Checkpoint;
import dev.kembed.model.onnx.GraphOptions;
import dev.kembed.model.arch.EncoderGraphBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The rotary families beyond parity: both config generations of a family build the same graph from
 * the same weights, and the TensorRT-8 variant (static shapes, LayerNorm written out, no bias add
 * where the model has none) equals the standard graph on every bucket.
 */
class ModelFamiliesTest {
    static final Path FIXTURES = Path.of("src/test/resources/fixtures");

    @TempDir
    Path tmp;

    /** A copy of a fixture directory with its config.json replaced. */
    Path withConfig(String fixture, ObjectNode config) throws Exception {
        Path dir = tmp.resolve(fixture + "-" + System.nanoTime());
        Files.createDirectories(dir);
        for (String f : List.of("model.safetensors", "tokenizer.json")) {
            Files.copy(FIXTURES.resolve(fixture).resolve(f), dir.resolve(f));
        }
        new ObjectMapper().writeValue(dir.resolve("config.json").toFile(), config);
        return dir;
    }

    static byte[] graph(Path dir, Path out) throws Exception {
        new EncoderGraphBuilder(Checkpoint.load(dir), GraphOptions.dynamic(false)).build().writeTo(out);
        return Files.readAllBytes(out);
    }

    @Test
    void bothModernBertConfigGenerationsBuildTheSameGraph() throws Exception {
        ObjectMapper json = new ObjectMapper();
        ObjectNode modern = (ObjectNode) json.readTree(FIXTURES.resolve("hf-modernbert-tiny/config.json").toFile());
        ObjectNode legacy = modern.deepCopy();
        legacy.remove(List.of("layer_types", "rope_parameters"));
        legacy.put("global_attn_every_n_layers", 3).put("global_rope_theta", 80000.0).put("local_rope_theta", 10000.0);
        byte[] a = graph(withConfig("hf-modernbert-tiny", modern), tmp.resolve("a.onnx"));
        byte[] b = graph(withConfig("hf-modernbert-tiny", legacy), tmp.resolve("b.onnx"));
        assertThat(b).as("legacy keys, same weights").isEqualTo(a);
        legacy.put("local_rope_theta", 20000.0);
        assertThat(graph(withConfig("hf-modernbert-tiny", legacy), tmp.resolve("c.onnx"))).as("a base is read, never assumed").isNotEqualTo(a);
    }

    @Test
    void bothNomicBertConfigsBuildTheSameGraph() throws Exception {
        byte[] a = graph(FIXTURES.resolve("hf-nomic-bert-tiny"), tmp.resolve("a.onnx"));
        byte[] b = graph(FIXTURES.resolve("hf-nomic-bert-remote-config-tiny"), tmp.resolve("b.onnx"));
        assertThat(b).as("remote-code keys, same weights").isEqualTo(a);
    }

    /**
     * Windows with overlap, late chunks and int8 on every family: the late-chunk vectors of a
     * multi-window document, weighted by their tokens, average to its mean-pooled vector (each
     * token once, from the window that owns it); the int8 graph runs and stays close to fp32.
     */
    @ParameterizedTest
    @ValueSource(strings = {"hf-xlm-roberta-tiny", "hf-modernbert-tiny", "hf-nomic-bert-tiny", "hf-bert-tiny", "hf-roberta-tiny",
        "hf-distilbert-tiny", "hf-mpnet-tiny", "hf-qwen3-tiny"})
    void lateChunksOverlapAndInt8WorkOnEveryFamily(String fixture) throws Exception {
        Path dir = FIXTURES.resolve(fixture);
        String text = new ObjectMapper().readTree(dir.resolve("documents.json").toFile()).get("documents").get("long").get("text").asText();
        var settings = new dev.kembed.text.EmbeddingSettings(dev.kembed.text.Pooling.MEAN, dev.kembed.text.GlobalAttention.AUTO, false, 48, 12);
        int chunkTokens = 20;
        var spec = dev.kembed.engine.EngineSpec.cpu(1, 1, false);
        try (var plain = dev.kembed.app.KembedModel.open(dir, spec, "--engine");
                var late = dev.kembed.app.KembedModel.open(dir, spec.withChunkSlots(dev.kembed.text.LateChunks.slotsPerWindow(46, chunkTokens)), "--engine");
                var int8 = dev.kembed.app.KembedModel.open(dir, spec.withPrecision(Precision.INT8), "--engine")) {
            var names = dev.kembed.text.WindowPlan.SettingNames.CLI;
            var doc = new dev.kembed.embed.DirectEmbedder(plain.plan(settings, names), plain.engine(), 4096).embed(text);
            assertThat(doc.windows().size()).as("several overlapping windows").isGreaterThan(3);
            var chunked = new dev.kembed.embed.DirectEmbedder(late.plan(settings, names), late.engine(), 4096)
                    .embedChunks(text, new dev.kembed.text.Chunker(chunkTokens));
            assertThat(chunked.chunks().size()).isGreaterThan(doc.windows().size());
            double[] weighted = new double[doc.dimension()];
            for (int c = 0; c < chunked.chunks().size(); c++) {
                for (int d = 0; d < weighted.length; d++) {
                    weighted[d] += (double) chunked.vectors().get(c)[d] * chunked.chunks().get(c).tokenCount() / doc.tokens();
                }
            }
            double worst = 0;
            for (int d = 0; d < weighted.length; d++) {
                worst = Math.max(worst, Math.abs(weighted[d] - doc.vector()[d]));
            }
            var q = new dev.kembed.embed.DirectEmbedder(int8.plan(settings, names), int8.engine(), 4096).embed(text).vector();
            double dot = 0;
            double na = 0;
            double nb = 0;
            for (int d = 0; d < q.length; d++) {
                dot += (double) q[d] * doc.vector()[d];
                na += (double) q[d] * q[d];
                nb += (double) doc.vector()[d] * doc.vector()[d];
            }
            double cosine = dot / Math.sqrt(na * nb);
            System.out.printf("%s: %d windows, %d late chunks, token-weighted chunk mean vs document mean %.2e; int8 cosine to fp32 %.5f%n",
                    fixture, doc.windows().size(), chunked.chunks().size(), worst, cosine);
            assertThat(worst).isLessThanOrEqualTo(1e-5);
            assertThat(cosine).isGreaterThan(0.99);
        }
    }

    /** What `kembed model random --preset` writes reads back as the same config. */
    @Test
    void presetConfigsReadBackAsWritten() throws Exception {
        List<String> seen = new java.util.ArrayList<>();
        for (dev.kembed.model.arch.Preset preset : dev.kembed.model.arch.Architectures.presets()) {
            dev.kembed.model.arch.ModelConfig c = preset.config().apply(400);
            seen.add(preset.name());
            Path dir = tmp.resolve(preset.name());
            Files.createDirectories(dir);
            new ObjectMapper().writeValue(dir.resolve("config.json").toFile(), c.toJson());
            dev.kembed.model.arch.ModelConfig back = dev.kembed.model.arch.ModelConfig.read(dir);
            assertThat(back.family()).isEqualTo(c.family());
            assertThat(back.attentionWindow()).containsExactly(c.attentionWindow());
            assertThat(back.rope()).isEqualTo(c.rope());
            assertThat(back.decoder()).isEqualTo(c.decoder());
            assertThat(List.of(back.vocabSize(), back.hiddenSize(), back.numLayers(), back.numHeads(), back.intermediateSize(), back.maxPositions(),
                    back.typeVocabSize(), back.padTokenId(), back.bosTokenId(), back.eosTokenId()))
                    .isEqualTo(List.of(c.vocabSize(), c.hiddenSize(), c.numLayers(), c.numHeads(), c.intermediateSize(), c.maxPositions(),
                            c.typeVocabSize(), c.padTokenId(), c.bosTokenId(), c.eosTokenId()));
            assertThat(back.layerNormEps()).isEqualTo(c.layerNormEps());
        }
        assertThat(seen).containsExactlyInAnyOrder("tiny", "base", "bert-base", "xlm-roberta-large", "modernbert-base", "nomic-base", "mpnet-base",
                "qwen3-0.6b");
        assertThat(dev.kembed.model.recipe.RandomCheckpoint.modernBertBase().maxTokens()).isEqualTo(8192);
        assertThat(dev.kembed.model.recipe.RandomCheckpoint.xlmRobertaLarge().maxTokens()).isEqualTo(8192);
    }

    static EngineWindow window(int length, int seed, int bos, int eos) {
        int[] ids = new int[length];
        int[] pool = new int[length];
        for (int t = 0; t < length; t++) {
            ids[t] = 5 + (seed + t * 7) % 290;
            pool[t] = t > 0 && t < length - 1 ? 1 : 0;
        }
        ids[0] = bos;
        ids[length - 1] = eos;
        return new EngineWindow(ids, null, pool);
    }

    @ParameterizedTest
    @ValueSource(strings = {"hf-modernbert-tiny", "hf-modernbert-legacy-tiny", "hf-nomic-bert-tiny"})
    void tensorRtVariantEqualsTheStandardGraph(String fixture) throws Exception {
        Checkpoint ckpt = Checkpoint.load(FIXTURES.resolve(fixture));
        int batch = 3;
        try (OnnxRuntimeEngine reference = new OnnxRuntimeEngine(ckpt, fixture, 1, 1, false, Precision.FP32)) {
            EngineInfo info = reference.info();
            for (int bucket : new int[] {32, 64, 128}) {
                Path file = tmp.resolve(fixture + "-trt-" + bucket + ".onnx");
                new EncoderGraphBuilder(ckpt, GraphOptions.tensorRt8(false, batch, bucket, 0).withQueryBlock(32)).build().writeTo(file);
                assertThat(new String(Files.readAllBytes(file), java.nio.charset.StandardCharsets.ISO_8859_1)).doesNotContain("LayerNormalization");
                List<EngineWindow> windows = List.of(window(bucket, 5, info.bosTokenId(), info.eosTokenId()),
                        window(bucket / 2 + 3, 9, info.bosTokenId(), info.eosTokenId()));
                List<WindowResult> got;
                try (DjlModelRunner r = DjlModelRunner.load(file, 1, 1)) {
                    got = GraphCall.run(r, PaddedBatch.of(windows, batch, bucket, info), info, true, true, windows).windows();
                }
                // what the engine returns for a window (the <s> state and the pooled mean), as TensorRtGraphTest compares Longformer;
                // the largest difference of any single token state is printed beside it
                double pooled = 0;
                double tokens = 0;
                for (int i = 0; i < windows.size(); i++) {
                    WindowResult want = reference.embed(new WindowBatch(List.of(windows.get(i)), true)).windows().get(0);
                    WindowResult have = got.get(i);
                    for (int c = 0; c < info.dimension(); c++) {
                        pooled = Math.max(pooled, Math.abs(have.cls()[c] - want.cls()[c]));
                        pooled = Math.max(pooled, Math.abs(have.sum()[c] - want.sum()[c]) / Math.max(1, want.count()));
                    }
                    assertThat(have.count()).isEqualTo(want.count());
                    for (int t = 0; t < want.tokenStates().length; t++) {
                        for (int c = 0; c < want.tokenStates()[t].length; c++) {
                            tokens = Math.max(tokens, Math.abs(have.tokenStates()[t][c] - want.tokenStates()[t][c]));
                        }
                    }
                }
                System.out.printf("%s tensorrt8 variant, bucket %d x %d: max |diff| %.2e (cls and mean), %.2e (any token state)%n", fixture, batch,
                        bucket, pooled, tokens);
                assertThat(pooled).isLessThanOrEqualTo(1e-5);
            }
        }
    }
}
