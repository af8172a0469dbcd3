package dev.kembed.stream;

import dev.kembed.text.GlobalAttention;
import dev.kembed.text.Pooling;

/**
 * How documents become vectors; shared by {@code kembed embed} and the stream so both give the
 * same numbers for the same text.
 *
 * @param maxTokens     window size, specials included (0 = the model's maximum)
 * @param overlap       content tokens shared by consecutive windows
 * @param batchTokens   padded tokens per engine call (windows × longest window)
 */
public record EmbeddingSettings(Pooling pooling, GlobalAttention globalAttention, boolean normalize, int maxTokens,
        int overlap, int batchTokens) {
    public static EmbeddingSettings defaults() {
        return new EmbeddingSettings(Pooling.MEAN, GlobalAttention.AUTO, false, 0, 0, 16384);
    }

    public boolean globalCls() {
        return globalAttention.globalCls(pooling);
    }
}
