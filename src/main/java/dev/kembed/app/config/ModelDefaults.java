package dev.kembed.app.config;

import dev.kembed.model.arch.ModelConfig;
import dev.kembed.model.checkpoint.SentenceTransformersConfig;
import dev.kembed.text.EmbeddingSettings;
import dev.kembed.text.MeanScope;
import dev.kembed.text.Pooling;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a sentence-transformers model directory brings, applied under what the user set: its
 * pooling, normalization and {@code max_seq_length} become the defaults of the pooling, normalize
 * and window settings (a setting given explicitly wins, with a log line), its prompts become
 * nameable, and its mean follows sentence-transformers' (specials and prompt included). Without
 * such a directory the settings stay as given.
 */
public final class ModelDefaults {
    private static final Logger LOG = LoggerFactory.getLogger(ModelDefaults.class);

    /** Which settings the user gave explicitly, and how they are called where they were given. */
    public record Given(boolean pooling, boolean normalize, boolean maxTokens, String poolingKey, String normalizeKey, String maxTokensKey,
            String promptKey, String promptNameKey) {}

    private ModelDefaults() {}

    /**
     * @param prompt     an explicit prompt text, or empty
     * @param promptName a prompt of the directory by name, or empty (the directory's default prompt, if any)
     * @throws IllegalArgumentException naming the setting, for a prompt name the directory does not have
     */
    public static EmbeddingSettings apply(EmbeddingSettings s, Given given, Path modelDir, String prompt, String promptName) {
        SentenceTransformersConfig st = SentenceTransformersConfig.read(modelDir);
        if (!prompt.isEmpty() && !promptName.isEmpty()) {
            throw new IllegalArgumentException(given.promptKey() + " and " + given.promptNameKey() + " are both set; set one");
        }
        if (st == null) {
            if (!promptName.isEmpty()) {
                throw new IllegalArgumentException(given.promptNameKey() + "=" + promptName + ": " + modelDir
                        + " is not a sentence-transformers directory (no modules.json), so it names no prompts; use " + given.promptKey());
            }
            return s.withPrompt(prompt, MeanScope.CONTENT);
        }
        Pooling pooling = Pooling.parse("1_Pooling/config.json", st.pooling());
        if (given.pooling() && s.pooling() != pooling) {
            LOG.info("{}={} overrides the model directory's pooling ({})", given.poolingKey(), s.pooling().label(), st.pooling());
        }
        if (given.normalize() && s.normalize() != st.normalize()) {
            LOG.info("{}={} overrides the model directory's normalization ({})", given.normalizeKey(), s.normalize(), st.normalize());
        }
        int maxTokens = s.maxTokens();
        if (!given.maxTokens() && st.maxSeqLength() > 0) {
            maxTokens = Math.min(st.maxSeqLength(), ModelConfig.read(modelDir).maxTokens());
        } else if (given.maxTokens() && st.maxSeqLength() > 0 && s.maxTokens() != st.maxSeqLength()) {
            LOG.info("{}={} overrides the model directory's max_seq_length ({})", given.maxTokensKey(), s.maxTokens(), st.maxSeqLength());
        }
        String text;
        try {
            text = !prompt.isEmpty() ? prompt : st.prompt(promptName.isEmpty() ? null : promptName);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(given.promptNameKey() + "=" + promptName + ": " + e.getMessage());
        }
        Pooling p = given.pooling() ? s.pooling() : pooling;
        MeanScope scope = st.includePrompt() ? MeanScope.ALL_TOKENS : MeanScope.ALL_BUT_PROMPT;
        return new EmbeddingSettings(p, s.globalAttention(), given.normalize() ? s.normalize() : st.normalize(), maxTokens, s.overlap(),
                s.boundaries(), text, scope);
    }
}
