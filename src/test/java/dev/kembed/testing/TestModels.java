package dev.kembed.testing;

import dev.kembed.app.KembedModel;
import dev.kembed.cli.KembedCli;
import dev.kembed.engine.EngineSpec;
import java.nio.file.Files;
import java.nio.file.Path;

/** Checkpoints tests build for themselves, through the same CLI a user runs. */
public final class TestModels {
    private TestModels() {}

    /** {@code kembed model random --preset tiny} into {@code dir} (once). */
    public static Path tiny(Path dir) {
        if (!Files.exists(dir.resolve("config.json"))) {
            int rc = KembedCli.execute("model", "random", "--preset", "tiny", "--seed", "3", "--out", dir.toString());
            if (rc != 0) {
                throw new IllegalStateException("kembed model random failed: " + rc);
            }
        }
        return dir;
    }

    /** {@code kembed model long --from minilm} into {@code dir} (once). */
    public static Path longMiniLm(Path dir) {
        if (!Files.exists(dir.resolve("config.json"))) {
            int rc = KembedCli.execute("model", "long", "--from", "minilm", "--window", "128", "--max-tokens", "4096", "--out", dir.toString());
            if (rc != 0) {
                throw new IllegalStateException("kembed model long failed: " + rc);
            }
        }
        return dir;
    }

    /** Opens a model on the CPU engine with one intra-op thread (tests run on 2 cores). */
    public static KembedModel open(Path dir, boolean globalAttention) {
        return KembedModel.open(dir, EngineSpec.cpu(1, 1, globalAttention), "--engine");
    }

    /** A long text with accents, CJK and emoji (surrogate pairs), about {@code words} words. */
    public static String longText(int words) {
        String[] vocab = {"river", "café", "naïve", "Zürich", "😀", "東京", "data", "stream", "window", "token", "résumé",
            "🚀🚀", "São", "Paulo", "exactly-once", "3.14159", "partition", "the", "a", "of"};
        StringBuilder sb = new StringBuilder();
        long x = 12345;
        for (int i = 0; i < words; i++) {
            x = x * 6364136223846793005L + 1442695040888963407L;
            sb.append(vocab[(int) ((x >>> 33) % vocab.length)]);
            sb.append(i % 17 == 16 ? ".\n" : " ");
        }
        return sb.toString();
    }
}
