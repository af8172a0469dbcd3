package dev.kembed.app;

import dev.kembed.engine.EmbeddingEngine;
import dev.kembed.engine.EngineFactory;
import dev.kembed.engine.EngineSpec;
import dev.kembed.model.arch.Checkpoint;
import dev.kembed.model.arch.ModelConfig;
import dev.kembed.text.DocumentTokenizer;
import dev.kembed.text.EmbeddingSettings;
import dev.kembed.text.WindowPlan;
import dev.kembed.engine.EngineInfo;
import dev.kembed.engine.Precision;
import java.nio.file.Path;
import java.util.Set;

/**
 * A model directory opened for use: config, tokenizer and engine, owned and closed together.
 * The tokenizer is checked against the embedding table before any engine work starts.
 */
public final class KembedModel implements AutoCloseable {
    private final String name;
    private final ModelConfig config;
    private final DocumentTokenizer tokenizer;
    private final EmbeddingEngine engine;
    private final Path dir;
    private final EngineSpec spec;
    private final String engineKey;

    private KembedModel(String name, ModelConfig config, DocumentTokenizer tokenizer, EmbeddingEngine engine, Path dir, EngineSpec spec,
            String engineKey) {
        this.name = name;
        this.config = config;
        this.tokenizer = tokenizer;
        this.engine = engine;
        this.dir = dir;
        this.spec = spec;
        this.engineKey = engineKey;
    }

    /** @param engineKey how the engine setting is called where the user set it ({@code kembed.engine} or {@code --engine}) */
    public static KembedModel open(Path dir, EngineSpec spec, String engineKey) {
        Checkpoint ckpt = Checkpoint.load(dir);
        DocumentTokenizer tokenizer = DocumentTokenizer.open(dir, ckpt.config().vocabSize());
        try {
            String name = dir.toAbsolutePath().normalize().getFileName().toString();
            EmbeddingEngine engine = EngineFactory.open(engineKey, spec, ckpt, name);
            return new KembedModel(name, ckpt.config(), tokenizer, engine, dir, spec, engineKey);
        } catch (RuntimeException e) {
            tokenizer.close();
            throw e;
        }
    }

    /** The window plan for these settings, checked against this engine (throws naming the setting to change). */
    public WindowPlan plan(EmbeddingSettings settings, WindowPlan.SettingNames names) {
        return WindowPlan.create(settings, engine.info(), tokenizer, names);
    }

    /** A checkpoint's tokenizer and window rules without an engine (what {@code kembed tokenize} needs). */
    public record Tokenizing(EngineInfo info, DocumentTokenizer tokenizer) implements AutoCloseable {
        public WindowPlan plan(EmbeddingSettings settings, WindowPlan.SettingNames names) {
            return WindowPlan.create(settings, info, tokenizer, names);
        }

        @Override
        public void close() {
            tokenizer.close();
        }
    }

    public static Tokenizing tokenizing(Path dir) {
        ModelConfig c = ModelConfig.read(dir);
        String name = dir.toAbsolutePath().normalize().getFileName().toString();
        EngineInfo info = EngineInfo.dynamic("none", name, "", Precision.FP32, c, false, Set.of(), false, "none", 0);
        return new Tokenizing(info, DocumentTokenizer.open(dir, c.vocabSize()));
    }

    public String name() {
        return name;
    }

    public ModelConfig config() {
        return config;
    }

    public DocumentTokenizer tokenizer() {
        return tokenizer;
    }

    public EmbeddingEngine engine() {
        return engine;
    }

    /**
     * Another instance of this model's engine, from the same checkpoint and settings: what the
     * workers take over with after a call hung in {@link #engine()}. The caller closes it.
     */
    public EmbeddingEngine openEngine() {
        return EngineFactory.open(engineKey, spec, Checkpoint.load(dir), name);
    }

    @Override
    public void close() {
        engine.close();
        tokenizer.close();
    }

    /** Closes the tokenizer only: a hung call is still inside {@link #engine()}, and closing it there could crash the process. */
    public void closeLeavingEngine() {
        tokenizer.close();
    }
}
