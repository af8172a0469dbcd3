package dev.kembed.app;

import dev.kembed.app.config.ModelDefaults;
import dev.kembed.text.EmbeddingSettings;
import dev.kembed.text.GlobalAttention;
import dev.kembed.text.Pooling;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** How window states become one document vector; a sentence-transformers model directory supplies what is not given. */
final class PoolingOptions {
    @Option(names = "--pooling", description = "mean, cls or last (the last token's state: decoders). Default: the model directory's (sentence-transformers), else mean")
    String pooling;

    @Option(names = "--global-attention", defaultValue = "auto", description = "none, cls or auto (cls when pooling is cls and the model "
            + "needs it). Default: ${DEFAULT-VALUE}")
    String globalAttention;

    @Option(names = "--normalize", negatable = true, description = "L2-normalise the document vector (--no-normalize: never). "
            + "Default: the model directory's (sentence-transformers), else no")
    Boolean normalize;

    @Option(names = "--prompt", defaultValue = "", description = "Text that starts every window (e.g. 'search_query: ').")
    String prompt;

    @Option(names = "--prompt-name", defaultValue = "", description = "A prompt of the model's sentence-transformers directory by name "
            + "(e.g. query, document). Default: its default_prompt_name, if any")
    String promptName;

    EmbeddingSettings settings(WindowOptions windows) {
        return new EmbeddingSettings(pooling == null ? Pooling.MEAN : Pooling.parse("--pooling", pooling),
                GlobalAttention.parse("--global-attention", globalAttention), Boolean.TRUE.equals(normalize), windows.maxTokens, windows.overlap,
                windows.boundaries());
    }

    /** {@link #settings(WindowOptions)} over the defaults and prompts of the model directory {@code model}. */
    EmbeddingSettings settings(WindowOptions windows, Path model) {
        return ModelDefaults.apply(settings(windows), new ModelDefaults.Given(pooling != null, normalize != null, windows.maxTokens > 0,
                "--pooling", "--normalize", "--max-tokens", "--prompt", "--prompt-name"), model, prompt, promptName.trim());
    }
}
