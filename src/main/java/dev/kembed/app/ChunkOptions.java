package dev.kembed.app;

import dev.kembed.text.Chunker;
import picocli.CommandLine;

/** The {@code --chunk-tokens} rule every command that cuts chunks shares. */
final class ChunkOptions {
    private ChunkOptions() {}

    /** The chunker for {@code --chunk-tokens N} (0 = one chunk per window); a negative N is a usage error of {@code command}. */
    static Chunker chunker(Object command, int chunkTokens) {
        if (chunkTokens < 0) {
            throw new CommandLine.ParameterException(new CommandLine(command),
                    "--chunk-tokens must be 0 (one chunk per window) or a positive number of tokens, got " + chunkTokens);
        }
        return chunkTokens == 0 ? Chunker.PER_WINDOW : new Chunker(chunkTokens);
    }
}
