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

    /**
     * The tiny checkpoint's architecture and tokenizer at half its width: 16 dimensions instead of
     * 32, 2 layers, random weights (seeded), into {@code dir} (once). A model of a smaller
     * dimension for restarts that change the model.
     */
    public static Path narrow(Path dir) {
        if (!Files.exists(dir.resolve("config.json"))) {
            try {
                Path tiny = tiny(dir.resolveSibling(dir.getFileName() + "-tiny-source"));
                int vocab = new com.fasterxml.jackson.databind.ObjectMapper().readTree(tiny.resolve("config.json").toFile()).get("vocab_size").asInt();
                dev.kembed.model.arch.ModelConfig cfg = new dev.kembed.model.arch.ModelConfig(dev.kembed.model.arch.Architectures.LONGFORMER, vocab,
                        16, 2, 2, 32, 4098, 1, 1e-5, 1, 0, 2, new int[] {16, 32});
                Files.createDirectories(dir);
                dev.kembed.model.arch.CheckpointWriter.write(dir, cfg, dev.kembed.model.recipe.RandomCheckpoint.weights(cfg, 5, 0.2));
                Files.copy(tiny.resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
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
