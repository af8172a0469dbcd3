package dev.kembed.model.arch;

import java.util.List;

/**
 * BERT with a sliding window ({@code kembed model long}'s long MiniLM): absolute positions from 0,
 * token type 0, banded attention in every layer.
 */
final class Bert extends BertStyle {
    @Override
    public String name() {
        return "bert";
    }

    @Override
    public String modelType() {
        return "bert";
    }

    @Override
    public String hfClass() {
        return "BertModel";
    }

    @Override
    Defaults defaults() {
        return new Defaults(2, 1e-12, 101, 102);
    }

    @Override
    int[] windowsWithoutAttentionWindow(ConfigJson json, int layers) {
        throw windowMissing(json, modelType());
    }

    @Override
    boolean writesAttentionWindow() {
        return true;
    }

    @Override
    public List<String> weightPrefixes() {
        return List.of("bert.");
    }

    @Override
    public PositionIds positions() {
        return PositionIds.FROM_ZERO;
    }

    @Override
    public boolean clsSeesEverything() {
        return false;
    }
}
