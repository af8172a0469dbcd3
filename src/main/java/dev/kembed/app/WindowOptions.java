package dev.kembed.app;

import dev.kembed.text.Boundaries;
import picocli.CommandLine.Option;

/** How documents are cut into windows. */
final class WindowOptions {
    @Option(names = "--max-tokens", defaultValue = "0", description = "Window size incl. <s> and </s> (0 = the model's maximum).")
    int maxTokens;

    @Option(names = "--overlap", defaultValue = "0", description = "Tokens shared by consecutive windows. Default: ${DEFAULT-VALUE}")
    int overlap;

    @Option(names = "--boundaries", defaultValue = "fixed",
            description = "fixed (every max-tokens) or text (cut at a paragraph, sentence or word boundary near the limit). Default: ${DEFAULT-VALUE}")
    String boundaries;

    Boundaries boundaries() {
        return Boundaries.parse("--boundaries", boundaries);
    }
}
