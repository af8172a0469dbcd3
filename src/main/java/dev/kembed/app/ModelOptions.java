package dev.kembed.app;

import dev.kembed.model.checkpoint.Checkpoint;

import dev.kembed.stream.EmbeddingSettings;
import dev.kembed.text.GlobalAttention;
import dev.kembed.text.Pooling;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options shared by commands that open a model and cut windows. */
final class ModelOptions {
    @Option(names = "--model", required = true, description = "Checkpoint directory (config.json, weights, tokenizer).")
    Path model;

    @Option(names = "--threads", defaultValue = "0", description = "ONNX Runtime intra-op threads (0 = all cores). Default: ${DEFAULT-VALUE}")
    int threads;

    @Option(names = "--overlap", defaultValue = "0", description = "Tokens shared by consecutive windows. Default: ${DEFAULT-VALUE}")
    int overlap;

    @Option(names = "--max-tokens", defaultValue = "0", description = "Window size incl. <s> and </s> (0 = the model's maximum).")
    int maxTokens;

    @Option(names = "--pooling", defaultValue = "mean", description = "mean or cls. Default: ${DEFAULT-VALUE}")
    String pooling;

    @Option(names = "--global-attention", defaultValue = "auto", description = "none, cls or auto (cls when pooling is cls). Default: ${DEFAULT-VALUE}")
    String globalAttention;

    @Option(names = "--normalize", description = "L2-normalise the document vector.")
    boolean normalize;

    @Option(names = "--batch-tokens", defaultValue = "16384", description = "Padded tokens per engine call. Default: ${DEFAULT-VALUE}")
    int batchTokens;

    EmbeddingSettings settings() {
        if (batchTokens <= 0) {
            throw new IllegalArgumentException("--batch-tokens must be positive, got " + batchTokens);
        }
        return new EmbeddingSettings(Pooling.parse("--pooling", pooling),
                GlobalAttention.parse("--global-attention", globalAttention), normalize, maxTokens, overlap, batchTokens);
    }
}
