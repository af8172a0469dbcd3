package dev.kembed.model.arch;

import java.util.List;

/** RoBERTa (all-distilroberta-v1): positions from pad id + 1, post-norm BERT blocks, full attention in every layer. */
class Roberta extends BertStyle {
    @Override
    public String name() {
        return "roberta";
    }

    @Override
    public String modelType() {
        return "roberta";
    }

    @Override
    public String hfClass() {
        return "RobertaModel";
    }

    @Override
    Defaults defaults() {
        return new Defaults(1, 1e-5, 0, 2);
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
}
