package dev.kembed.model.arch;

import dev.kembed.model.checkpoint.CheckpointException;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The one place that knows which architectures exist. A new architecture is one class and one line
 * here; an unknown {@code model_type} is refused naming the supported ones.
 */
public final class Architectures {
    public static final Architecture LONGFORMER = new Longformer();
    public static final Architecture BERT = new Bert(false);
    /** BERT weights attending in a band ({@code kembed model long}): read from a {@code bert} config with {@code attention_window}. */
    public static final Architecture BERT_LONG = new Bert(true);
    public static final Architecture ROBERTA = new Roberta();
    public static final Architecture XLM_ROBERTA = new XlmRoberta();
    public static final Architecture MODERNBERT = new ModernBert();
    public static final Architecture NOMIC_BERT = new NomicBert();
    public static final Architecture DISTILBERT = new DistilBert();
    public static final Architecture MPNET = new MpNet();
    public static final Architecture QWEN3 = new Qwen3(false);
    public static final Architecture QWEN2 = new Qwen3(true);

    /** Every supported architecture, in the order help texts and refusals list them (one per {@code model_type}). */
    public static final List<Architecture> ALL = List.of(LONGFORMER, BERT, XLM_ROBERTA, MODERNBERT, NOMIC_BERT, ROBERTA, DISTILBERT, MPNET, QWEN3,
            QWEN2);

    private Architectures() {}

    /** The supported {@code model_type}s, for messages. */
    public static String allowed() {
        return ALL.stream().map(Architecture::modelType).collect(Collectors.joining(", "));
    }

    /** Every random preset of every architecture, in registry order. */
    public static List<Preset> presets() {
        return ALL.stream().flatMap(a -> a.presets().stream()).toList();
    }

    public static Preset preset(String name) {
        return presets().stream().filter(p -> p.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("--preset: '" + name + "' is not a preset; allowed: "
                        + presets().stream().map(Preset::name).collect(Collectors.joining(", "))));
    }

    /**
     * The architecture of a {@code config.json}; anything else is refused by name, including checkpoints
     * that claim a supported type but would compute something else under it (JinaBERT v2 says
     * {@code bert} with ALiBi positions: run as BERT it gives wrong vectors without a word).
     */
    static Architecture of(ConfigJson json) {
        String modelType = json.path("model_type").asText("");
        for (var a : json.path("architectures")) {
            if (a.asText().startsWith("JinaBert")) {
                throw new CheckpointException(json.file() + ": architecture " + a.asText() + " (JinaBERT, ALiBi positions) is not supported: "
                        + "running it as model_type '" + modelType + "' would give wrong vectors; supported: " + allowed());
            }
        }
        String positions = json.path("position_embedding_type").asText("absolute");
        if (!positions.equals("absolute")) {
            throw new CheckpointException(json.file() + ": position_embedding_type '" + positions + "' is not supported (only absolute "
                    + "positions: " + allowed() + "); JinaBERT v2's alibi in particular would run as plain BERT and give wrong vectors");
        }
        for (Architecture a : ALL) {
            if (a.modelType().equals(modelType)) {
                return a;
            }
        }
        String remote = json.has("auto_map") ? " (it names its own remote code, auto_map " + json.get("auto_map") + ", which kembed never runs)" : "";
        throw new CheckpointException(json.file() + ": " + (modelType.isEmpty() ? "no model_type" : "model_type '" + modelType + "' is not supported")
                + remote + "; allowed: " + allowed());
    }
}
