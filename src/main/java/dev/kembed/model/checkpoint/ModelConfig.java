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
        int[] attentionWindow,
        RopeSettings rope) {

    public ModelConfig(ModelFamily family, int vocabSize, int hiddenSize, int numLayers, int numHeads, int intermediateSize, int maxPositions,
            int typeVocabSize, double layerNormEps, int padTokenId, int bosTokenId, int eosTokenId, int[] attentionWindow) {
        this(family, vocabSize, hiddenSize, numLayers, numHeads, intermediateSize, maxPositions, typeVocabSize, layerNormEps, padTokenId,
                bosTokenId, eosTokenId, attentionWindow, RopeSettings.NONE);
    }

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
        return switch (family) {
            case MODERNBERT -> modernBert(root, file);
            case NOMIC_BERT -> nomicBert(root, file);
            default -> bertLike(family, root, file);
        };
    }

    /** Longformer, BERT and XLM-RoBERTa: BERT's keys and blocks, with or without an attention window. */
    private static ModelConfig bertLike(ModelFamily family, JsonNode root, Path file) {
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
                special(root, file, "bos_token_id", null, family.defaultBos, true),
                special(root, file, "eos_token_id", null, family.defaultEos, false),
                windows);
    }

    /**
     * ModernBERT, both config generations: 5.x {@code layer_types} + {@code rope_parameters}, or the
     * legacy {@code global_attn_every_n_layers} + {@code global_rope_theta}/{@code local_rope_theta}.
     * Sliding layers get {@code local_attention} as their window, global ones 0 (full attention).
     */
    private static ModelConfig modernBert(JsonNode root, Path file) {
        String act = root.path("hidden_activation").asText("gelu");
        if (!act.equals("gelu")) {
            throw new CheckpointException(file + ": hidden_activation '" + act + "' is not supported; allowed: gelu");
        }
        int layers = required(root, "num_hidden_layers", file);
        int local = required(root, "local_attention", file);
        int[] windows = new int[layers];
        JsonNode types = root.get("layer_types");
        if (types != null && types.isArray()) {
            if (types.size() != layers) {
                throw new CheckpointException(file + ": layer_types has " + types.size() + " entries but num_hidden_layers is " + layers);
            }
            for (int i = 0; i < layers; i++) {
                String t = types.get(i).asText();
                if (!t.equals("full_attention") && !t.equals("sliding_attention")) {
                    throw new CheckpointException(file + ": layer_types[" + i + "] '" + t + "' is not supported; allowed: full_attention, sliding_attention");
                }
                windows[i] = t.equals("full_attention") ? 0 : local;
            }
        } else {
            int every = root.path("global_attn_every_n_layers").asInt(3);
            for (int i = 0; i < layers; i++) {
                windows[i] = i % every == 0 ? 0 : local;
            }
        }
        JsonNode rope = root.path("rope_parameters");
        double global = rope.path("full_attention").path("rope_theta").asDouble(root.path("global_rope_theta").asDouble(160_000));
        double localTheta = rope.path("sliding_attention").path("rope_theta").asDouble(root.path("local_rope_theta").asDouble(10_000));
        return new ModelConfig(ModelFamily.MODERNBERT, required(root, "vocab_size", file), required(root, "hidden_size", file), layers,
                required(root, "num_attention_heads", file), required(root, "intermediate_size", file),
                required(root, "max_position_embeddings", file), 0, root.path("norm_eps").asDouble(1e-5), required(root, "pad_token_id", file),
                special(root, file, "cls_token_id", "bos_token_id", 50281, true), special(root, file, "sep_token_id", "eos_token_id", 50282, false),
                windows, new RopeSettings(global, localTheta, root.path("attention_bias").asBoolean(false), root.path("mlp_bias").asBoolean(false),
                        root.path("norm_bias").asBoolean(false), 0, 0));
    }

    /**
     * NomicBERT, in the native keys ({@code hidden_size}, {@code rope_parameters}, ...) or the
     * remote-code ones ({@code n_embd}, {@code n_layer}, {@code rotary_emb_base}, ...): post-norm,
     * RoPE on every layer, SwiGLU, no biases in the projections. Variants kembed does not compute
     * (pre-norm, partial or interleaved rotary) are refused by name.
     */
    private static ModelConfig nomicBert(JsonNode root, Path file) {
        if (root.path("prenorm").asBoolean(false)) {
            throw new CheckpointException(file + ": prenorm=true is not supported for nomic_bert; allowed: false");
        }
        if (root.path("rotary_emb_fraction").asDouble(1.0) != 1.0) {
            throw new CheckpointException(file + ": rotary_emb_fraction " + root.get("rotary_emb_fraction") + " is not supported; allowed: 1.0");
        }
        if (root.path("rotary_emb_interleaved").asBoolean(false)) {
            throw new CheckpointException(file + ": rotary_emb_interleaved=true is not supported; allowed: false");
        }
        String act = root.has("activation_function") ? root.path("activation_function").asText() : root.path("hidden_act").asText("silu");
        if (!act.equals("swiglu") && !act.equals("silu")) {
            throw new CheckpointException(file + ": activation '" + act + "' is not supported for nomic_bert; allowed: swiglu");
        }
        for (String bias : new String[] {"qkv_proj_bias", "mlp_fc1_bias", "mlp_fc2_bias"}) {
            if (root.path(bias).asBoolean(false)) {
                throw new CheckpointException(file + ": " + bias + "=true is not supported for nomic_bert; allowed: false");
            }
        }
        int layers = either(root, file, "num_hidden_layers", "n_layer");
        JsonNode rope = root.path("rope_parameters");
        double theta = rope.path("rope_theta").asDouble(root.path("rotary_emb_base").asDouble(1000));
        int positions = either(root, file, "max_position_embeddings", "n_positions");
        // dynamic NTK: the hub's rotary_scaling_factor past max_trained_positions, or transformers' rope_type dynamic
        JsonNode scaling = root.get("rotary_scaling_factor");
        int trained = root.path("max_trained_positions").asInt(2048);
        String ropeType = rope.path("rope_type").asText("default");
        if (ropeType.equals("dynamic")) {
            scaling = rope.get("factor");
            trained = rope.path("original_max_position_embeddings").asInt(positions);
        } else if (!ropeType.equals("default")) {
            throw new CheckpointException(file + ": rope_type '" + ropeType + "' is not supported for nomic_bert; allowed: default, dynamic");
        }
        return new ModelConfig(ModelFamily.NOMIC_BERT, required(root, "vocab_size", file), either(root, file, "hidden_size", "n_embd"), layers,
                either(root, file, "num_attention_heads", "n_head"), either(root, file, "intermediate_size", "n_inner"), positions,
                root.path("type_vocab_size").asInt(2),
                root.has("layer_norm_eps") ? root.path("layer_norm_eps").asDouble() : root.path("layer_norm_epsilon").asDouble(1e-12),
                root.path("pad_token_id").asInt(0), special(root, file, "bos_token_id", null, 101, true), special(root, file, "eos_token_id", null, 102, false),
                new int[layers], new RopeSettings(theta, theta, false, false, true, scaling == null || scaling.isNull() ? 0 : scaling.asDouble(),
                        trained));
    }

    private static int either(JsonNode root, Path file, String key, String remoteKey) {
        JsonNode n = root.has(key) ? root.get(key) : root.get(remoteKey);
        if (n == null || !n.canConvertToInt()) {
            throw new CheckpointException(file + ": '" + key + "' (or '" + remoteKey + "') is missing or not an integer");
        }
        return n.asInt();
    }

    /**
     * A special token's id: the config's key (or its alternative), else the tokenizer's own post-processor
     * in the same directory (NomicBERT configs leave bos/eos null), else the family's default.
     */
    private static int special(JsonNode root, Path file, String key, String alternative, int fallback, boolean first) {
        for (String k : alternative == null ? new String[] {key} : new String[] {key, alternative}) {
            JsonNode n = root.get(k);
            if (n != null && n.canConvertToInt()) {
                return n.asInt();
            }
        }
        Integer fromTokenizer = TokenizerSpecials.of(file.resolveSibling("tokenizer.json"), first);
        return fromTokenizer != null ? fromTokenizer : fallback;
    }

    private static int required(JsonNode root, String key, Path file) {
        JsonNode n = root.get(key);
        if (n == null || !n.canConvertToInt()) {
            throw new CheckpointException(file + ": '" + key + "' is missing or not an integer");
        }
        return n.asInt();
    }

    /** The config.json a checkpoint written by kembed carries, in the keys of its family's transformers class. */
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
        o.put("max_position_embeddings", maxPositions);
        o.put("pad_token_id", padTokenId);
        o.put("bos_token_id", bosTokenId);
        o.put("eos_token_id", eosTokenId);
        switch (family) {
            case MODERNBERT -> {
                o.put("hidden_activation", "gelu");
                o.put("norm_eps", layerNormEps);
                o.put("cls_token_id", bosTokenId);
                o.put("sep_token_id", eosTokenId);
                int local = Arrays.stream(attentionWindow).max().orElse(0);
                o.put("local_attention", local);
                var types = o.putArray("layer_types");
                for (int w : attentionWindow) {
                    types.add(w == 0 ? "full_attention" : "sliding_attention");
                }
                ObjectNode rope = o.putObject("rope_parameters");
                rope.putObject("full_attention").put("rope_theta", this.rope.globalTheta()).put("rope_type", "default");
                rope.putObject("sliding_attention").put("rope_theta", this.rope.localTheta()).put("rope_type", "default");
                o.put("attention_bias", this.rope.attentionBias()).put("mlp_bias", this.rope.mlpBias()).put("norm_bias", this.rope.normBias());
            }
            case NOMIC_BERT -> {
                o.put("hidden_act", "silu");
                o.put("layer_norm_eps", layerNormEps);
                o.put("type_vocab_size", typeVocabSize);
                o.putObject("rope_parameters").put("rope_theta", this.rope.globalTheta()).put("rope_type", "default");
            }
            default -> {
                o.put("hidden_act", "gelu");
                o.put("type_vocab_size", typeVocabSize);
                o.put("layer_norm_eps", layerNormEps);
                if (family != ModelFamily.XLM_ROBERTA) { // XLM-RoBERTa attends fully: no window
                    var w = o.putArray("attention_window");
                    for (int x : attentionWindow) {
                        w.add(x);
                    }
                }
            }
        }
        return o;
    }
}
