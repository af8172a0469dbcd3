package dev.kembed.app;

import dev.kembed.model.checkpoint.Checkpoint;
import dev.kembed.engine.EmbeddingEngine;
import dev.kembed.model.checkpoint.ModelConfig;
import dev.kembed.engine.onnxruntime.OnnxRuntimeEngine;
import dev.kembed.text.DocumentTokenizer;
import java.nio.file.Path;

/**
 * A model directory opened for use: config, tokenizer and engine, owned and closed together.
 * The tokenizer is checked against the embedding table before any engine work starts.
 */
public final class KembedModel implements AutoCloseable {
    private final String name;
    private final ModelConfig config;
    private final DocumentTokenizer tokenizer;
    private final EmbeddingEngine engine;

    private KembedModel(String name, ModelConfig config, DocumentTokenizer tokenizer, EmbeddingEngine engine) {
        this.name = name;
        this.config = config;
        this.tokenizer = tokenizer;
        this.engine = engine;
    }

    /**
     * @param threads         ONNX Runtime intra-op threads (0 = all cores)
     * @param globalAttention build the global-attention path into the graph
     */
    public static KembedModel open(Path dir, int threads, int sessions, boolean globalAttention) {
        Checkpoint ckpt = Checkpoint.load(dir);
        DocumentTokenizer tokenizer = DocumentTokenizer.open(dir, ckpt.config().vocabSize());
        try {
            String name = dir.toAbsolutePath().normalize().getFileName().toString();
            EmbeddingEngine engine = new OnnxRuntimeEngine(ckpt, name, threads, sessions, globalAttention);
            return new KembedModel(name, ckpt.config(), tokenizer, engine);
        } catch (RuntimeException e) {
            tokenizer.close();
            throw e;
        }
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

    @Override
    public void close() {
        engine.close();
        tokenizer.close();
    }
}
