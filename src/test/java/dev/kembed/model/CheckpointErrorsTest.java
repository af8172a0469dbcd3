package dev.kembed.model;

import dev.kembed.model.arch.Checkpoint;
import dev.kembed.model.checkpoint.CheckpointException;
import dev.kembed.model.arch.CheckpointWriter;
import dev.kembed.model.checkpoint.FloatTensor;
import dev.kembed.model.arch.ModelConfig;
import dev.kembed.model.arch.Architectures;
import dev.kembed.model.recipe.RandomCheckpoint;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kembed.model.checkpoint.ByteLevelBpe;
import dev.kembed.text.DocumentTokenizer;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every checkpoint problem a user can cause ends in a message that names the file and the tensor. */
class CheckpointErrorsTest {
    @TempDir
    Path tmp;

    static final ModelConfig CFG = new ModelConfig(Architectures.LONGFORMER, 300, 16, 2, 2, 24, 66, 1, 1e-5, 1, 0, 2, new int[] {8, 8});

    private Path writeValid() throws Exception {
        Path dir = tmp.resolve("m");
        CheckpointWriter.write(dir, CFG, RandomCheckpoint.weights(CFG, 1, 0.1));
        return dir;
    }

    @Test
    void truncatedSafetensorsNamesTheTensor() throws Exception {
        Path dir = writeValid();
        Path file = dir.resolve("model.safetensors");
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(f.length() - 40); // inside the last tensor (16 floats = 64 bytes)
        }
        assertThatThrownBy(() -> Checkpoint.load(dir))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("model.safetensors")
                .hasMessageContaining("encoder.layer.1.output.LayerNorm.bias")
                .hasMessageContaining("truncated");
    }

    @Test
    void headerCutShortIsReported() throws Exception {
        Path dir = writeValid();
        Path file = dir.resolve("model.safetensors");
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(50);
        }
        assertThatThrownBy(() -> Checkpoint.load(dir)).hasMessageContaining("header length").hasMessageContaining("truncated");
    }

    @Test
    void unknownModelTypeListsAllowedValues() throws Exception {
        Path dir = writeValid();
        ObjectNode cfg = (ObjectNode) new ObjectMapper().readTree(dir.resolve("config.json").toFile());
        cfg.put("model_type", "gpt2");
        new ObjectMapper().writeValue(dir.resolve("config.json").toFile(), cfg);
        assertThatThrownBy(() -> Checkpoint.load(dir))
                .hasMessageContaining("config.json")
                .hasMessageContaining("model_type 'gpt2' is not supported; allowed: longformer, bert");
    }

    /** JinaBERT v2 says model_type bert; run as BERT it would give wrong vectors without a word, so it is refused by name. */
    @Test
    void jinaBertV2AndRemoteCodeArchitecturesAreRefusedByName() throws Exception {
        Path dir = writeValid();
        ObjectMapper json = new ObjectMapper();
        ObjectNode cfg = (ObjectNode) json.readTree(dir.resolve("config.json").toFile());
        cfg.put("model_type", "bert").put("position_embedding_type", "alibi");
        cfg.putArray("architectures").add("JinaBertModel");
        cfg.putObject("auto_map").put("AutoModel", "jinaai/jina-bert-implementation--modeling_bert.JinaBertModel");
        json.writeValue(dir.resolve("config.json").toFile(), cfg);
        assertThatThrownBy(() -> Checkpoint.load(dir)).hasMessageContaining("JinaBertModel").hasMessageContaining("ALiBi")
                .hasMessageContaining("wrong vectors").hasMessageContaining("xlm-roberta");
        cfg.remove("architectures");
        json.writeValue(dir.resolve("config.json").toFile(), cfg);
        assertThatThrownBy(() -> Checkpoint.load(dir)).as("alibi without the architecture name").hasMessageContaining("position_embedding_type 'alibi'");
        cfg.put("model_type", "jina_custom").remove("position_embedding_type");
        json.writeValue(dir.resolve("config.json").toFile(), cfg);
        assertThatThrownBy(() -> Checkpoint.load(dir)).hasMessageContaining("model_type 'jina_custom' is not supported")
                .hasMessageContaining("remote code").hasMessageContaining("never runs");
    }

    @Test
    void missingTensorIsNamed() throws Exception {
        Map<String, FloatTensor> w = new LinkedHashMap<>(RandomCheckpoint.weights(CFG, 1, 0.1));
        w.remove("encoder.layer.1.attention.self.key_global.weight");
        Path dir = tmp.resolve("missing");
        CheckpointWriter.write(dir, CFG, w);
        assertThatThrownBy(() -> Checkpoint.load(dir))
                .hasMessageContaining("tensor 'encoder.layer.1.attention.self.key_global.weight' is missing");
    }

    @Test
    void misShapedTensorIsNamedWithBothShapes() throws Exception {
        Map<String, FloatTensor> w = new LinkedHashMap<>(RandomCheckpoint.weights(CFG, 1, 0.1));
        w.put("encoder.layer.0.intermediate.dense.weight", new FloatTensor(new int[] {16, 24}, new float[16 * 24]));
        Path dir = tmp.resolve("shape");
        CheckpointWriter.write(dir, CFG, w);
        assertThatThrownBy(() -> Checkpoint.load(dir))
                .hasMessageContaining("'encoder.layer.0.intermediate.dense.weight' has shape [16, 24] but config.json implies [24, 16]");
    }

    @Test
    void missingWeightsAndConfigAreReported() throws Exception {
        Path dir = tmp.resolve("empty");
        Files.createDirectories(dir);
        assertThatThrownBy(() -> Checkpoint.load(dir)).hasMessageContaining("config.json: missing");
        new ObjectMapper().writeValue(dir.resolve("config.json").toFile(), CFG.toJson());
        assertThatThrownBy(() -> Checkpoint.load(dir)).hasMessageContaining("no weights found; expected model.safetensors");
    }

    @Test
    void tokenizerLargerThanEmbeddingTableIsRefused() throws Exception {
        Path dir = writeValid();
        ByteLevelBpe.Trained bpe = ByteLevelBpe.train("some words and more words for merges", 200);
        // 300 rows, but pad the vocabulary so the tokenizer's largest id is past the table
        Map<String, Integer> vocab = new LinkedHashMap<>(bpe.vocab());
        vocab.put("extra", 400);
        Files.writeString(dir.resolve("tokenizer.json"), ByteLevelBpe.tokenizerJson(vocab, bpe.merges()));
        assertThatThrownBy(() -> DocumentTokenizer.open(dir, CFG.vocabSize()))
                .hasMessageContaining("the tokenizer has 401 token ids but embeddings.word_embeddings.weight has only 300 rows");
    }

    @Test
    void longformerNeedsItsWindowInTheConfig() throws Exception {
        Path dir = writeValid();
        ObjectNode cfg = (ObjectNode) new ObjectMapper().readTree(dir.resolve("config.json").toFile());
        cfg.remove("attention_window");
        new ObjectMapper().writeValue(dir.resolve("config.json").toFile(), cfg);
        assertThatThrownBy(() -> Checkpoint.load(dir)).hasMessageContaining("attention_window is missing");
    }
}
