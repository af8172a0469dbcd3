package dev.kembed.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kembed.model.arch.Architecture;
import dev.kembed.model.arch.Architectures;
import dev.kembed.model.arch.ModelConfig;
import dev.kembed.model.checkpoint.CheckpointException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The registry picks the architecture from config.json alone, and refuses by name what no architecture computes. */
class ArchitecturesTest {
    static final Path FIXTURES = Path.of("src/test/resources/fixtures");
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private ModelConfig read(String fixture, java.util.function.Consumer<ObjectNode> edit) throws IOException {
        ObjectNode cfg = (ObjectNode) JSON.readTree(FIXTURES.resolve(fixture).resolve("config.json").toFile());
        edit.accept(cfg);
        Path dir = Files.createTempDirectory(tmp, fixture);
        JSON.writeValue(dir.resolve("config.json").toFile(), cfg);
        return ModelConfig.read(dir);
    }

    @Test
    void anUnknownModelTypeIsRefusedNamingEverySupportedOne() {
        String all = Architectures.ALL.stream().map(Architecture::modelType).collect(Collectors.joining(", "));
        assertThat(all).isEqualTo("longformer, bert, xlm-roberta, modernbert, nomic_bert, roberta, distilbert, mpnet, qwen3, qwen2");
        assertThatThrownBy(() -> read("hf-bert-tiny", c -> c.put("model_type", "t5")))
                .isInstanceOf(CheckpointException.class).hasMessageEndingWith("model_type 't5' is not supported; allowed: " + all);
    }

    @Test
    void bertWithoutAWindowAttendsFullyAndWithOneIsBertLong() throws IOException {
        ModelConfig full = read("hf-bert-tiny", c -> {});
        assertThat(full.family()).isSameAs(Architectures.BERT);
        assertThat(full.attentionWindow()).containsOnly(0);
        assertThat(full.padMultiple()).isEqualTo(1);
        assertThat(full.family().clsSeesEverything()).isTrue();
        assertThat(full.toJson().has("attention_window")).isFalse();
        ModelConfig banded = read("hf-bert-tiny", c -> c.put("attention_window", 16));
        assertThat(banded.family()).isSameAs(Architectures.BERT_LONG);
        assertThat(banded.attentionWindow()).containsOnly(16);
        assertThat(banded.family().clsSeesEverything()).isFalse();
        assertThat(banded.toJson().get("attention_window")).hasSize(banded.numLayers());
        assertThat(banded.family().name()).isEqualTo(full.family().name()).isEqualTo("bert");
    }

    @Test
    void settingsNoArchitectureComputesAreRefusedByName() {
        assertThatThrownBy(() -> read("hf-distilbert-tiny", c -> c.put("sinusoidal_pos_embds", true)))
                .hasMessageContaining("sinusoidal_pos_embds=true is not supported for distilbert; allowed: false");
        assertThatThrownBy(() -> read("hf-distilbert-tiny", c -> c.put("activation", "relu")))
                .hasMessageContaining("activation 'relu' is not supported for distilbert; allowed: gelu");
        assertThatThrownBy(() -> read("hf-mpnet-tiny", c -> c.put("relative_attention_num_buckets", 64)))
                .hasMessageContaining("relative_attention_num_buckets 64 is not supported for mpnet; allowed: 32");
        assertThatThrownBy(() -> read("hf-qwen3-tiny", c -> c.put("use_sliding_window", true)))
                .hasMessageContaining("use_sliding_window=true is not supported for qwen3; allowed: false");
        assertThatThrownBy(() -> read("hf-qwen3-tiny", c -> ((ObjectNode) c.get("rope_parameters")).put("rope_type", "yarn")))
                .hasMessageContaining("rope_type 'yarn' is not supported for qwen3; allowed: default");
        assertThatThrownBy(() -> read("hf-qwen3-tiny", c -> c.put("num_key_value_heads", 3)))
                .hasMessageContaining("num_key_value_heads 3 with num_attention_heads 4 is not supported for qwen3");
        assertThatThrownBy(() -> read("hf-roberta-tiny", c -> c.put("hidden_act", "relu")))
                .hasMessageContaining("hidden_act 'relu' is not supported; allowed: gelu");
    }

    @Test
    void qwen3ReadsItsHeadsAndQwen2IsTheSameClassWithBiasesAndNoQkNorm() throws IOException {
        ModelConfig q3 = read("hf-qwen3-tiny", c -> {});
        assertThat(q3.family()).isSameAs(Architectures.QWEN3);
        assertThat(q3.headDim()).isEqualTo(8);
        assertThat(q3.kvHeads()).isEqualTo(2);
        assertThat(q3.decoder().qkNorm()).isTrue();
        assertThat(q3.family().weightShapes(q3)).containsKey("layers.0.self_attn.q_norm.weight")
                .doesNotContainKey("layers.0.self_attn.q_proj.bias");
        ModelConfig q2 = read("hf-qwen3-tiny", c -> c.put("model_type", "qwen2"));
        assertThat(q2.family()).isSameAs(Architectures.QWEN2);
        assertThat(q2.decoder().qkNorm()).isFalse();
        assertThat(q2.family().weightShapes(q2)).containsKey("layers.0.self_attn.q_proj.bias").containsKey("layers.0.self_attn.v_proj.bias")
                .doesNotContainKey("layers.0.self_attn.o_proj.bias").doesNotContainKey("layers.0.self_attn.q_norm.weight");
    }

    @Test
    void everyArchitectureWritesAConfigThatReadsBackAsItself() throws IOException {
        for (String fixture : new String[] {"hf-bert-tiny", "hf-roberta-tiny", "hf-distilbert-tiny", "hf-mpnet-tiny", "hf-qwen3-tiny",
            "hf-xlm-roberta-tiny", "hf-modernbert-tiny", "hf-nomic-bert-tiny", "hf-longformer-tiny"}) {
            ModelConfig c = ModelConfig.read(FIXTURES.resolve(fixture));
            Path dir = Files.createDirectories(tmp.resolve("back-" + fixture));
            JSON.writeValue(dir.resolve("config.json").toFile(), c.toJson());
            ModelConfig back = ModelConfig.read(dir);
            assertThat(back.family()).as(fixture).isSameAs(c.family());
            assertThat(back.attentionWindow()).as(fixture).containsExactly(c.attentionWindow());
            assertThat(back.rope()).as(fixture).isEqualTo(c.rope());
            assertThat(back.decoder()).as(fixture).isEqualTo(c.decoder());
            assertThat(java.util.List.of(back.vocabSize(), back.hiddenSize(), back.numLayers(), back.numHeads(), back.intermediateSize(),
                    back.maxPositions(), back.typeVocabSize(), back.padTokenId(), back.bosTokenId(), back.eosTokenId())).as(fixture)
                    .isEqualTo(java.util.List.of(c.vocabSize(), c.hiddenSize(), c.numLayers(), c.numHeads(), c.intermediateSize(), c.maxPositions(),
                            c.typeVocabSize(), c.padTokenId(), c.bosTokenId(), c.eosTokenId()));
            assertThat(back.layerNormEps()).as(fixture).isEqualTo(c.layerNormEps());
        }
    }
}
