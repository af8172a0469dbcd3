package dev.kembed.model.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
        ModelFamily family,
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
        int[] attentionWindow) {

    public ModelConfig {
        if (hiddenSize % numHeads != 0) {
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
    }

    public int headDim() {
        return hiddenSize / numHeads;
    }

    /** First position index a real token gets: RoBERTa-style models skip pad id + 1 slots. */
    public int positionOffset() {
        return family.robertaPositions() ? padTokenId + 1 : 0;
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
        ModelFamily family = ModelFamily.of(root, file);
        String act = root.path("hidden_act").asText("gelu");
        if (!act.equals("gelu")) {
            throw new CheckpointException(file + ": hidden_act '" + act + "' is not supported; allowed: gelu");
        }
        int layers = required(root, "num_hidden_layers", file);
        JsonNode win = root.get("attention_window");
        int[] windows = new int[layers];
        if ((win == null || win.isNull()) && family == ModelFamily.XLM_ROBERTA) {
            Arrays.fill(windows, 0); // full attention in every layer
        } else if (win == null || win.isNull()) {
            throw new CheckpointException(file + ": attention_window is missing; a " + family.modelType() + " checkpoint runs with"
                    + " sliding-window attention here (for a BERT checkpoint use `kembed model long`, which sets it)");
        } else if (win.isArray()) {
            windows = new int[win.size()];
            for (int i = 0; i < windows.length; i++) {
                windows[i] = win.get(i).asInt();
            }
        } else {
            Arrays.fill(windows, win.asInt());
        }
        int pad = required(root, "pad_token_id", file);
        return new ModelConfig(family,
                required(root, "vocab_size", file),
                required(root, "hidden_size", file),
                layers,
                required(root, "num_attention_heads", file),
                required(root, "intermediate_size", file),
                required(root, "max_position_embeddings", file),
                root.path("type_vocab_size").asInt(family.defaultTypeVocab),
                root.path("layer_norm_eps").asDouble(family.defaultEps),
                pad,
                root.path("bos_token_id").asInt(family.defaultBos),
                root.path("eos_token_id").asInt(family.defaultEos),
                windows);
    }

    private static int required(JsonNode root, String key, Path file) {
        JsonNode n = root.get(key);
        if (n == null || !n.canConvertToInt()) {
            throw new CheckpointException(file + ": '" + key + "' is missing or not an integer");
        }
        return n.asInt();
    }

    /** The config.json a checkpoint written by kembed carries. */
    public ObjectNode toJson() {
        ObjectMapper m = new ObjectMapper();
        ObjectNode o = m.createObjectNode();
        o.put("model_type", family.modelType());
        o.putArray("architectures").add(family.architecture());
        o.put("vocab_size", vocabSize);
        o.put("hidden_size", hiddenSize);
        o.put("num_hidden_layers", numLayers);
        o.put("num_attention_heads", numHeads);
        o.put("intermediate_size", intermediateSize);
        o.put("hidden_act", "gelu");
        o.put("max_position_embeddings", maxPositions);
        o.put("type_vocab_size", typeVocabSize);
        o.put("layer_norm_eps", layerNormEps);
        o.put("pad_token_id", padTokenId);
        o.put("bos_token_id", bosTokenId);
        o.put("eos_token_id", eosTokenId);
        var w = o.putArray("attention_window");
        for (int x : attentionWindow) {
            w.add(x);
        }
        return o;
    }
}
