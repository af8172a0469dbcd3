package dev.kembed.app;

import dev.kembed.text.EmbeddingSettings;
import dev.kembed.text.GlobalAttention;
import dev.kembed.text.Pooling;
import picocli.CommandLine.Option;

/** How window states become one document vector. */
final class PoolingOptions {
    @Option(names = "--pooling", defaultValue = "mean", description = "mean or cls. Default: ${DEFAULT-VALUE}")
    String pooling;

    @Option(names = "--global-attention", defaultValue = "auto", description = "none, cls or auto (cls when pooling is cls). Default: ${DEFAULT-VALUE}")
    String globalAttention;

    @Option(names = "--normalize", description = "L2-normalise the document vector.")
    boolean normalize;

    EmbeddingSettings settings(WindowOptions windows) {
        return new EmbeddingSettings(Pooling.parse("--pooling", pooling), GlobalAttention.parse("--global-attention", globalAttention), normalize,
                windows.maxTokens, windows.overlap, windows.boundaries());
    }
}
