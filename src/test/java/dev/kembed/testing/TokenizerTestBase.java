package dev.kembed.testing;

import dev.kembed.text.DocumentTokenizer;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** The tiny model's tokenizer, opened once per test class, for tests of what text becomes. */
public abstract class TokenizerTestBase {
    @TempDir
    protected static Path tmp;

    protected static DocumentTokenizer tokenizer;

    @BeforeAll
    static void openTokenizer() {
        tokenizer = DocumentTokenizer.open(TestModels.tiny(tmp.resolve("tiny")), 10_000_000);
    }

    @AfterAll
    static void closeTokenizer() {
        tokenizer.close();
    }
}
