package dev.kembed.app;

import picocli.CommandLine.Option;

/** --input / --output of the JSON Lines commands. */
final class JsonLinesOptions {
    @Option(names = "--input", defaultValue = "-", description = "Input file, or - for stdin. Default: ${DEFAULT-VALUE}")
    String input;

    @Option(names = "--output", defaultValue = "-", description = "Output file, or - for stdout. Default: ${DEFAULT-VALUE}")
    String output;

    JsonLinesIo open() throws java.io.IOException {
        return new JsonLinesIo(input, output);
    }
}
