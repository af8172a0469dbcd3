package dev.kembed.app.config;

import dev.kembed.text.Boundaries;
import dev.kembed.text.EmbeddingSettings;
import dev.kembed.text.GlobalAttention;
import dev.kembed.text.MeanScope;
import dev.kembed.text.Pooling;
import java.nio.file.Files;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;

/**
 * How documents become vectors: pooling, normalization, windows and their reuse, and the prompt,
 * as given over the defaults of a sentence-transformers model directory.
 */
public final class EmbeddingConfig extends ConfigArea {
    public static final String POOLING = "kembed.pooling";
    public static final String GLOBAL_ATTENTION = "kembed.global.attention";
    public static final String NORMALIZE = "kembed.normalize";
    public static final String WINDOW_MAX_TOKENS = "kembed.window.max.tokens";
    public static final String WINDOW_OVERLAP = "kembed.window.overlap";
    public static final String WINDOW_BOUNDARIES = "kembed.window.boundaries";
    public static final String WINDOW_REUSE = "kembed.window.reuse";
    public static final String CACHE_MAX_BYTES = "kembed.cache.max.bytes";
    public static final String PROMPT = "kembed.prompt";
    public static final String PROMPT_NAME = "kembed.prompt.name";

    public EmbeddingConfig(AbstractConfig values) {
        super(values);
    }

    public static void defineWindows(ConfigDef def) {
        def.define(POOLING, Type.STRING, "mean", Choice.of(Pooling.class), Importance.HIGH,
                        "How token states become one vector: mean over content tokens, the <s> state (cls) or the last token's state (last: decoders such as Qwen3-Embedding); a multi-window document weights each window's by its content tokens.")
                .define(GLOBAL_ATTENTION, Type.STRING, "auto", Choice.of(GlobalAttention.class), Importance.MEDIUM,
                        "Longformer global attention on <s>: auto = cls for cls pooling, none for mean.")
                .define(NORMALIZE, Type.BOOLEAN, false, Importance.MEDIUM, "L2-normalise document vectors.")
                .define(WINDOW_MAX_TOKENS, Type.INT, 0, Range.between(0, 1 << 20), Importance.MEDIUM,
                        "Window size incl. <s> and </s> (0 = the model's maximum).")
                .define(WINDOW_OVERLAP, Type.INT, 0, Range.between(0, 1 << 20), Importance.MEDIUM, "Tokens shared by consecutive windows.")
                .define(WINDOW_REUSE, Type.BOOLEAN, true, Importance.MEDIUM,
                        "Reuse the result of a window whose identity (model, precision, ids, masks) is unchanged: from the document's "
                                + "previous version (kept in a changelogged store) or from the shared cache.")
                .define(CACHE_MAX_BYTES, Type.LONG, 64L << 20, Range.between(0L, Long.MAX_VALUE), Importance.LOW,
                        "Window results cached per process for all tasks (repeated boilerplate across documents); 0 = off. Empty after a restart.")
                .define(WINDOW_BOUNDARIES, Type.STRING, "fixed", Choice.of(Boundaries.class), Importance.MEDIUM,
                        "fixed: a window every max tokens; text: cut at the latest paragraph break, else sentence end, else whitespace in the "
                                + "last quarter of the window, so an edit changes only nearby windows (README \"Window boundaries\").");
    }

    public static void definePrompts(ConfigDef def) {
        def.define(PROMPT, Type.STRING, "", Importance.MEDIUM,
                        "Text that starts every window after <s> (a sentence-transformers prompt such as 'search_document: '); part of the "
                                + "model fingerprint. Empty = the model directory's default prompt, if any.")
                .define(PROMPT_NAME, Type.STRING, "", Importance.MEDIUM,
                        "A prompt of the model's sentence-transformers directory by name (config_sentence_transformers.json), e.g. document.");
    }

    /** The keys {@link #embeddingSettings} reads; its check at start-up is skipped when one of them failed to parse. */
    static final String[] SETTINGS_KEYS = {POOLING, NORMALIZE, WINDOW_MAX_TOKENS, WINDOW_OVERLAP, WINDOW_BOUNDARIES, GLOBAL_ATTENTION};

    /**
     * The settings as given, over the defaults of a sentence-transformers model directory (pooling,
     * normalize, max_seq_length, prompts) where the engine's model directory has one.
     */
    public EmbeddingSettings embeddingSettings(EngineConfig engine) {
        EmbeddingSettings given = new EmbeddingSettings(Pooling.parse(POOLING, values.getString(POOLING)),
                GlobalAttention.parse(GLOBAL_ATTENTION, values.getString(GLOBAL_ATTENTION)), values.getBoolean(NORMALIZE),
                values.getInt(WINDOW_MAX_TOKENS), values.getInt(WINDOW_OVERLAP), Boundaries.parse(WINDOW_BOUNDARIES, values.getString(WINDOW_BOUNDARIES)));
        if (engine.modelDirSetting().isBlank() || !Files.isDirectory(engine.modelDir())) {
            return given.withPrompt(values.getString(PROMPT), MeanScope.CONTENT);
        }
        return ModelDefaults.apply(given, new ModelDefaults.Given(values.originals().containsKey(POOLING), values.originals().containsKey(NORMALIZE),
                values.originals().containsKey(WINDOW_MAX_TOKENS), POOLING, NORMALIZE, WINDOW_MAX_TOKENS, PROMPT, PROMPT_NAME), engine.modelDir(),
                values.getString(PROMPT), values.getString(PROMPT_NAME).trim());
    }

    public boolean windowReuse() {
        return values.getBoolean(WINDOW_REUSE);
    }

    public long cacheMaxBytes() {
        return values.getLong(CACHE_MAX_BYTES);
    }
}
