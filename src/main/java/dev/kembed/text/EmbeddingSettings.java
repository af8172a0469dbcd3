package dev.kembed.text;

/**
 * How documents become vectors; shared by {@code kembed embed} and the stream so both give the
 * same numbers for the same text. Checked against the engine by {@link WindowPlan}.
 *
 * @param maxTokens window size, specials included (0 = the model's maximum)
 * @param overlap   content tokens shared by consecutive windows
 * @param boundaries where windows are cut: fixed token counts, or text boundaries
 */
public record EmbeddingSettings(Pooling pooling, GlobalAttention globalAttention, boolean normalize, int maxTokens, int overlap,
        Boundaries boundaries) {
    public EmbeddingSettings(Pooling pooling, GlobalAttention globalAttention, boolean normalize, int maxTokens, int overlap) {
        this(pooling, globalAttention, normalize, maxTokens, overlap, Boundaries.FIXED);
    }

    public static EmbeddingSettings defaults() {
        return new EmbeddingSettings(Pooling.MEAN, GlobalAttention.AUTO, false, 0, 0);
    }

    public boolean globalCls() {
        return globalAttention.globalCls(pooling);
    }
}
