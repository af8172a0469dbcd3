package dev.kembed.model.arch;

import java.util.List;

/** XLM-RoBERTa (bge-m3's family): RoBERTa under another {@code model_type}, with a SentencePiece vocabulary. */
final class XlmRoberta extends Roberta {
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
    public List<Preset> presets() {
        return List.of(new Preset("xlm-roberta-large", "bge-m3's shapes, 2.27 GB",
                vocab -> new ModelConfig(this, 250_002, 1024, 24, 16, 4096, 8194, 1, 1e-5, 1, 0, 2, new int[24]), 0.02));
    }
}
