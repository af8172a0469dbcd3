package dev.kembed.model.arch;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;

/**
 * One model architecture: everything kembed knows about it — its {@code config.json}, its weight
 * names and shapes, its position ids, the graph of its embeddings and layers, its FLOP count and
 * its random presets. One class each, registered in {@link Architectures}; nothing outside that
 * registry chooses between them.
 */
public interface Architecture {
    /** The short name in graph names, messages and {@code /info} (e.g. {@code xlm_roberta}). */
    String name();

    /** {@code config.json}'s {@code model_type}. */
    String modelType();

    /** The transformers class a checkpoint written by kembed names in {@code architectures}. */
    String hfClass();

    /** The config of a {@code config.json} whose {@code model_type} is this one; unsupported settings refused by name. */
    ModelConfig readConfig(ConfigJson json);

    /** Adds this architecture's own keys to a config.json that already holds the common ones. */
    void writeConfig(ModelConfig c, ObjectNode o);

    /** Refuses per-layer windows this architecture does not compute (0 = full attention). */
    default void checkWindows(int[] attentionWindow) {}

    /** Prefixes that task-head checkpoints put before the encoder's weights (heads themselves are ignored). */
    List<String> weightPrefixes();

    /** Every tensor the graph reads, by name without prefix, with the shape the config implies. */
    Map<String, int[]> weightShapes(ModelConfig c);

    /** How position ids count, or {@link PositionIds#NONE} where positions are rotary. */
    PositionIds positions();

    /** Longformer's {@code query_global/key_global/value_global}: global attention on chosen tokens. */
    default boolean globalProjections() {
        return false;
    }

    /**
     * Whether the first token's state already sees the whole window without global attention (some
     * layer attends to every token): {@code kembed.global.attention=auto} with cls pooling then
     * means no global tokens, where a banded-only model would need them.
     */
    boolean clsSeesEverything();

    /** The graph of one build: embeddings and layers on top of the frame {@link EncoderGraphBuilder} writes. */
    EncoderLayers layers(EncoderGraph e);

    /** Floating-point operations of one forward pass over {@code length} tokens (softmax, norms and activations left out). */
    double forwardFlops(ModelConfig c, int length, boolean global);

    /** Random-weight presets with a real model's shapes ({@code kembed model random --preset}). */
    default List<Preset> presets() {
        return List.of();
    }
}
