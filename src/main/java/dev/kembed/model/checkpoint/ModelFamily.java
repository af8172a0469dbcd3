package dev.kembed.model.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The encoder families kembed builds, each with what sets it apart: its {@code model_type}, how it
 * places positions, whether it has Longformer's global projections, and how its layers attend.
 * LONGFORMER: RoBERTa positions (pad id + 1 onward), banded attention with global tokens.
 * BERT: absolute positions from 0, token type 0, banded attention ({@code kembed model long}).
 * XLM_ROBERTA: RoBERTa positions, post-norm BERT blocks, full attention in every layer (bge-m3).
 * MODERNBERT: no position table but RoPE, pre-norm, GeGLU, sliding layers with a global one every
 * few (gte-modernbert, granite-embedding-r2, modernbert-embed).
 * NOMIC_BERT: RoPE, post-norm, SwiGLU, full attention (nomic-embed-text).
 */
public enum ModelFamily {
    LONGFORMER("longformer", "LongformerModel", true, true, 1, 1e-5, 0, 2),
    BERT("bert", "BertModel", false, false, 2, 1e-12, 101, 102),
    XLM_ROBERTA("xlm-roberta", "XLMRobertaModel", true, false, 1, 1e-5, 0, 2),
    MODERNBERT("modernbert", "ModernBertModel", false, false, 0, 1e-5, 50281, 50282),
    NOMIC_BERT("nomic_bert", "NomicBertModel", false, false, 2, 1e-12, 101, 102);

    private final String modelType;
    private final String architecture;
    private final boolean robertaPositions;
    private final boolean globalProjections;
    final int defaultTypeVocab;
    final double defaultEps;
    final int defaultBos;
    final int defaultEos;

    ModelFamily(String modelType, String architecture, boolean robertaPositions, boolean globalProjections, int defaultTypeVocab,
            double defaultEps, int defaultBos, int defaultEos) {
        this.modelType = modelType;
        this.architecture = architecture;
        this.robertaPositions = robertaPositions;
        this.globalProjections = globalProjections;
        this.defaultTypeVocab = defaultTypeVocab;
        this.defaultEps = defaultEps;
        this.defaultBos = defaultBos;
        this.defaultEos = defaultEos;
    }

    /** {@code config.json}'s {@code model_type}. */
    public String modelType() {
        return modelType;
    }

    public String architecture() {
        return architecture;
    }

    /** RoBERTa's position ids: real tokens count from pad id + 1, pads get the pad id. Otherwise 0, 1, 2, ... */
    public boolean robertaPositions() {
        return robertaPositions;
    }

    /** Longformer's {@code query_global/key_global/value_global}: global attention on chosen tokens. */
    public boolean globalProjections() {
        return globalProjections;
    }

    /**
     * Whether the first token's state already sees the whole window without global attention (some
     * layer attends to every token): {@code kembed.global.attention=auto} with cls pooling then
     * means no global tokens, where a banded-only model would need them.
     */
    public boolean clsSeesEverything() {
        return this != LONGFORMER && this != BERT;
    }

    static String allowed() {
        return Arrays.stream(values()).map(ModelFamily::modelType).collect(Collectors.joining(", "));
    }

    /**
     * The family of a {@code config.json}; anything else is refused by name, including checkpoints
     * that claim a supported type but would compute something else under it (JinaBERT v2 says
     * {@code bert} with ALiBi positions: run as BERT it gives wrong vectors without a word).
     */
    static ModelFamily of(JsonNode root, Path config) {
        String modelType = root.path("model_type").asText("");
        JsonNode archs = root.path("architectures");
        for (JsonNode a : archs) {
            if (a.asText().startsWith("JinaBert")) {
                throw new CheckpointException(config + ": architecture " + a.asText() + " (JinaBERT, ALiBi positions) is not supported: "
                        + "running it as model_type '" + modelType + "' would give wrong vectors; supported: " + allowed());
            }
        }
        String positions = root.path("position_embedding_type").asText("absolute");
        if (!positions.equals("absolute")) {
            throw new CheckpointException(config + ": position_embedding_type '" + positions + "' is not supported (only absolute "
                    + "positions: " + allowed() + "); JinaBERT v2's alibi in particular would run as plain BERT and give wrong vectors");
        }
        for (ModelFamily f : values()) {
            if (f.modelType.equals(modelType)) {
                return f;
            }
        }
        String remote = root.has("auto_map") ? " (it names its own remote code, auto_map " + root.get("auto_map") + ", which kembed never runs)" : "";
        throw new CheckpointException(config + ": " + (modelType.isEmpty() ? "no model_type" : "model_type '" + modelType + "' is not supported")
                + remote + "; allowed: " + allowed());
    }
}
