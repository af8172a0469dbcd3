package dev.kembed.model.recipe;

import dev.kembed.model.checkpoint.ByteLevelBpe;
import dev.kembed.model.checkpoint.CheckpointWriter;
import dev.kembed.model.checkpoint.FloatTensor;
import dev.kembed.model.checkpoint.ModelConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A complete random-weight model directory (config, weights, tokenizer) from a preset: {@code tiny}
 * for tests and the demo's fallback, {@code base} with longformer-base-4096's shapes for benchmarks.
 * The tokenizer is a byte-level BPE trained on a bundled paragraph set.
 */
public final class RandomModel {
    private RandomModel() {}

    public static final java.util.List<String> PRESETS = java.util.List.of("tiny", "base", "modernbert-base", "xlm-roberta-large", "nomic-base");

    public static ModelConfig write(Path out, String preset, long seed) throws IOException {
        ByteLevelBpe.Trained bpe = ByteLevelBpe.train(corpus(), 400);
        ModelConfig cfg = switch (preset) {
            case "tiny" -> RandomCheckpoint.tinyConfig(bpe.vocab().size());
            case "base" -> RandomCheckpoint.baseConfig();
            case "modernbert-base" -> RandomCheckpoint.modernBertBase();
            case "xlm-roberta-large" -> RandomCheckpoint.xlmRobertaLarge();
            case "nomic-base" -> RandomCheckpoint.nomicBase();
            default -> throw new IllegalArgumentException("--preset: '" + preset + "' is not a preset; allowed: " + String.join(", ", PRESETS));
        };
        Map<String, FloatTensor> weights = RandomCheckpoint.weights(cfg, seed, preset.equals("tiny") ? 0.2 : 0.02);
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
