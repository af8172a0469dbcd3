package dev.kembed.app;

import picocli.CommandLine.Option;

/** How documents are cut into windows. */
final class WindowOptions {
    @Option(names = "--max-tokens", defaultValue = "0", description = "Window size incl. <s> and </s> (0 = the model's maximum).")
    int maxTokens;

    @Option(names = "--overlap", defaultValue = "0", description = "Tokens shared by consecutive windows. Default: ${DEFAULT-VALUE}")
    int overlap;
}
