package dev.kembed.model.arch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kembed.model.checkpoint.CheckpointException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The fields of a Hugging Face {@code config.json} that shape the graph. Every field is read
 * explicitly: LongformerConfig's own defaults (vocab 30522, 512 positions, eps 1e-12) differ from
 * longformer-base-4096, so a missing field is an error rather than a silent default.
 *
 * @param attentionWindow per-layer two-sided window (even); one-sided w = window / 2; 0 = full
 *                        attention in that layer (every key of the sequence)
 */
public record ModelConfig(
        Architecture family,
        int vocabSize,
        int hiddenSize,
        int numLayers,
        int numHeads,
        int intermediateSize,
        int maxPositions,
        int typeVocabSize,
        double layerNormEps,
        int padTokenId,
        int bosTokenId,
        int eosTokenId,
        int[] attentionWindow,
        RopeSettings rope,
        DecoderSettings decoder) {

    public ModelConfig(Architecture family, int vocabSize, int hiddenSize, int numLayers, int numHeads, int intermediateSize, int maxPositions,
            int typeVocabSize, double layerNormEps, int padTokenId, int bosTokenId, int eosTokenId, int[] attentionWindow) {
        this(family, vocabSize, hiddenSize, numLayers, numHeads, intermediateSize, maxPositions, typeVocabSize, layerNormEps, padTokenId,
                bosTokenId, eosTokenId, attentionWindow, RopeSettings.NONE);
    }

    public ModelConfig(Architecture family, int vocabSize, int hiddenSize, int numLayers, int numHeads, int intermediateSize, int maxPositions,
            int typeVocabSize, double layerNormEps, int padTokenId, int bosTokenId, int eosTokenId, int[] attentionWindow, RopeSettings rope) {
        this(family, vocabSize, hiddenSize, numLayers, numHeads, intermediateSize, maxPositions, typeVocabSize, layerNormEps, padTokenId,
                bosTokenId, eosTokenId, attentionWindow, rope, DecoderSettings.NONE);
    }

    public ModelConfig {
        if (!decoder.isDecoder() && hiddenSize % numHeads != 0) {
            throw new CheckpointException("config.json: hidden_size " + hiddenSize
                    + " is not a multiple of num_attention_heads " + numHeads);
        }
        if (attentionWindow.length != numLayers) {
            throw new CheckpointException("config.json: attention_window has " + attentionWindow.length
                    + " entries but num_hidden_layers is " + numLayers);
        }
        for (int w : attentionWindow) {
            if (w < 0 || w % 2 != 0) {
                throw new CheckpointException("config.json: attention_window " + Arrays.toString(attentionWindow)
                        + " must hold even numbers (0 = full attention)");
            }
        }
        family.checkWindows(attentionWindow);
    }

    public int headDim() {
        return decoder.isDecoder() ? decoder.headDim() : hiddenSize / numHeads;
    }

    /** Key/value heads: fewer than query heads under grouped-query attention. */
    public int kvHeads() {
        return decoder.isDecoder() ? decoder.kvHeads() : numHeads;
    }

    /** First position index a real token gets: RoBERTa-style models skip pad id + 1 slots. */
    public int positionOffset() {
        return family.positions().offset(padTokenId);
    }

    /** The most tokens (specials included) one window may hold. */
    public int maxTokens() {
        return maxPositions - positionOffset();
    }

    /** Sequences are padded to a multiple of this (the LCM of all banded windows; HF uses the largest; 1 with none). */
    public int padMultiple() {
        int m = 1;
        for (int w : attentionWindow) {
            if (w > 0) {
                m = lcm(m, w);
            }
        }
        return m;
    }

    /** Whether layer {@code i} attends to every key (0 window) rather than a band. */
    public boolean fullAttention(int layer) {
        return attentionWindow[layer] == 0;
    }

    private static int lcm(int a, int b) {
        int x = a;
        int y = b;
        while (y != 0) {
            int t = x % y;
            x = y;
            y = t;
        }
        return a / x * b;
    }

    public static ModelConfig read(Path dir) {
        Path file = dir.resolve("config.json");
        if (!Files.isRegularFile(file)) {
            throw new CheckpointException(file + ": missing; a model directory needs config.json");
        }
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new CheckpointException(file + ": not valid JSON: " + e.getMessage(), e);
        }
        return parse(root, file);
    }

    static ModelConfig parse(JsonNode root, Path file) {
        ConfigJson json = new ConfigJson(root, file);
        return Architectures.of(json).readConfig(json);
    }

    /** The config.json a checkpoint written by kembed carries, in the keys of its family's transformers class. */
    public ObjectNode toJson() {
        ObjectMapper m = new ObjectMapper();
        ObjectNode o = m.createObjectNode();
        o.put("model_type", family.modelType());
        o.putArray("architectures").add(family.hfClass());
        o.put("vocab_size", vocabSize);
        o.put("hidden_size", hiddenSize);
        o.put("num_hidden_layers", numLayers);
        o.put("num_attention_heads", numHeads);
        o.put("intermediate_size", intermediateSize);
        o.put("max_position_embeddings", maxPositions);
        o.put("pad_token_id", padTokenId);
        o.put("bos_token_id", bosTokenId);
        o.put("eos_token_id", eosTokenId);
        family.writeConfig(this, o);
        return o;
    }
}
