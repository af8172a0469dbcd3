package dev.kembed.model.arch;

import java.util.List;

/** XLM-RoBERTa (bge-m3's family): RoBERTa positions, post-norm BERT blocks, full attention in every layer. */
final class XlmRoberta extends BertStyle {
    @Override
    public String name() {
        return "xlm_roberta";
    }

    @Override
    public String modelType() {
        return "xlm-roberta";
    }

    @Override
    public String hfClass() {
        return "XLMRobertaModel";
    }

    @Override
    Defaults defaults() {
        return new Defaults(1, 1e-5, 0, 2);
    }

    @Override
    int[] windowsWithoutAttentionWindow(ConfigJson json, int layers) {
        return new int[layers]; // full attention in every layer
    }

    @Override
    boolean writesAttentionWindow() {
        return false; // it attends fully: no window
    }

    @Override
    public List<String> weightPrefixes() {
        return List.of("roberta.");
    }

    @Override
    public PositionIds positions() {
        return PositionIds.AFTER_PAD;
    }

    @Override
    public boolean clsSeesEverything() {
        return true;
    }

    @Override
    public List<Preset> presets() {
        return List.of(new Preset("xlm-roberta-large", "bge-m3's shapes, 2.27 GB",
                vocab -> new ModelConfig(this, 250_002, 1024, 24, 16, 4096, 8194, 1, 1e-5, 1, 0, 2, new int[24]), 0.02));
    }
}
