package dev.kembed.model.recipe;

import dev.kembed.model.arch.Architectures;
import dev.kembed.model.arch.CheckpointWriter;
import dev.kembed.model.arch.ModelConfig;
import dev.kembed.model.arch.Preset;
import dev.kembed.model.checkpoint.ByteLevelBpe;
import dev.kembed.model.checkpoint.FloatTensor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A complete random-weight model directory (config, weights, tokenizer) from an architecture's preset:
 * {@code tiny} for tests and the demo's fallback, the others with real models' shapes for benchmarks.
 * The tokenizer is a byte-level BPE trained on a bundled paragraph set.
 */
public final class RandomModel {
    private RandomModel() {}

    /** Every preset's name, in the registry's order. */
    public static final List<String> PRESETS = Architectures.presets().stream().map(Preset::name).toList();

    public static ModelConfig write(Path out, String preset, long seed) throws IOException {
        Preset p = Architectures.preset(preset);
        ByteLevelBpe.Trained bpe = ByteLevelBpe.train(corpus(), 400);
        ModelConfig cfg = p.config().apply(bpe.vocab().size());
        Map<String, FloatTensor> weights = RandomCheckpoint.weights(cfg, seed, p.weightStd());
        CheckpointWriter.write(out, cfg, weights);
        Files.writeString(out.resolve("tokenizer.json"), bpe.tokenizerJson(), StandardCharsets.UTF_8);
        return cfg;
    }

    static String corpus() {
        try (InputStream in = RandomModel.class.getResourceAsStream("/kembed/bpe-corpus.txt")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("bundled corpus missing", e);
        }
    }
}
