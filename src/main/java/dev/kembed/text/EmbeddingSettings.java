package dev.kembed.text;

/**
 * How documents become vectors; shared by {@code kembed embed} and the stream so both give the
 * same numbers for the same text. Checked against the engine by {@link WindowPlan}.
 *
 * @param maxTokens window size, specials included (0 = the model's maximum)
 * @param overlap   content tokens shared by consecutive windows
 * @param boundaries where windows are cut: fixed token counts, or text boundaries
 * @param prompt     text that starts every window after {@code <s>} (sentence-transformers' prompts,
 *                   e.g. {@code search_document: }); empty for none
 * @param meanScope  which tokens mean pooling averages
 */
public record EmbeddingSettings(Pooling pooling, GlobalAttention globalAttention, boolean normalize, int maxTokens, int overlap,
        Boundaries boundaries, String prompt, MeanScope meanScope) {
    public EmbeddingSettings {
        prompt = prompt == null ? "" : prompt;
        java.util.Objects.requireNonNull(meanScope, "meanScope");
    }

    public EmbeddingSettings(Pooling pooling, GlobalAttention globalAttention, boolean normalize, int maxTokens, int overlap,
            Boundaries boundaries) {
        this(pooling, globalAttention, normalize, maxTokens, overlap, boundaries, "", MeanScope.CONTENT);
    }

    public EmbeddingSettings(Pooling pooling, GlobalAttention globalAttention, boolean normalize, int maxTokens, int overlap) {
        this(pooling, globalAttention, normalize, maxTokens, overlap, Boundaries.FIXED);
    }

    /** The same settings with a prompt and a mean scope (what a sentence-transformers directory asks for). */
    public EmbeddingSettings withPrompt(String text, MeanScope scope) {
        return new EmbeddingSettings(pooling, globalAttention, normalize, maxTokens, overlap, boundaries, text, scope);
    }

    public static EmbeddingSettings defaults() {
        return new EmbeddingSettings(Pooling.MEAN, GlobalAttention.AUTO, false, 0, 0);
    }

    public boolean globalCls() {
        return globalAttention.globalCls(pooling);
    }
}
