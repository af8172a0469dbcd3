package dev.kembed.model.arch;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Arrays;
import java.util.List;

/**
 * BERT as the hub ships it (all-MiniLM-L6-v2, bge-*-en-v1.5, e5, gte, arctic-embed, mxbai-embed):
 * absolute positions from 0, token type 0, full attention in every layer. A config with
 * {@code attention_window} is BERT-long ({@code kembed model long}'s long MiniLM): the same weights
 * attending in a band, a second instance of this class.
 */
final class Bert extends BertStyle {
    private final boolean banded;

    /** @param banded BERT-long: every layer attends in the band its {@code attention_window} gives */
    Bert(boolean banded) {
        this.banded = banded;
    }

    @Override
    public void checkWindows(int[] attentionWindow) {
        if (!banded && Arrays.stream(attentionWindow).anyMatch(w -> w != 0)) {
            throw new IllegalArgumentException("BERT attends fully; BERT with a band is BERT-long (Architectures.BERT_LONG)");
        }
    }

    /** A config without {@code attention_window} is plain BERT; with it, BERT-long. */
    @Override
    public ModelConfig readConfig(ConfigJson json) {
        JsonNode win = json.get("attention_window");
        boolean hasWindow = win != null && !win.isNull();
        if (hasWindow != banded) {
            return (hasWindow ? Architectures.BERT_LONG : Architectures.BERT).readConfig(json);
        }
        return super.readConfig(json);
    }
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
    boolean writesAttentionWindow() {
        return banded;
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
    public List<Preset> presets() {
        return banded ? List.of() : List.of(new Preset("bert-base", "bert-base-uncased's shapes (bge-base-en-v1.5, e5-base-v2): 12 layers, 768 wide, 512 tokens",
                vocab -> new ModelConfig(this, 30_522, 768, 12, 12, 3072, 512, 2, 1e-12, 1, 0, 2, new int[12]), 0.02));
    }

    @Override
    public boolean clsSeesEverything() {
        return !banded;
    }
}
