package dev.kembed.app.config;

import dev.kembed.model.checkpoint.CheckpointException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The start-up checks that read the model directory: {@code kembed.model.dir} is a checkpoint
 * directory, and a sentence-transformers directory's modules and prompts agree with the settings.
 * Apart from the other checks because these touch the disk; the rest are pure.
 */
public final class ModelDirCheck {
    private ModelDirCheck() {}

    public static void check(ConfigErrors errors, EngineConfig engine, EmbeddingConfig embedding) {
        if (!errors.parsed(EngineConfig.MODEL_DIR)) {
            return;
        }
        String problem = problem(engine.modelDirSetting().trim());
        if (problem != null) {
            errors.add(problem);
        } else if (errors.parsed(EmbeddingConfig.SETTINGS_KEYS)) {
            try { // a sentence-transformers directory's modules and prompts, with the prompt settings
                embedding.embeddingSettings(engine);
            } catch (IllegalArgumentException | CheckpointException e) {
                errors.add(e.getMessage());
            }
        }
    }

    /** Null when {@code dir} looks like a checkpoint directory; else what is wrong, naming the key. */
    static String problem(String dir) {
        if (dir.isEmpty()) {
            return EngineConfig.MODEL_DIR + " is required: the directory of a checkpoint (config.json, weights, tokenizer)";
        }
        Path p = Path.of(dir);
        if (!Files.isDirectory(p)) {
            return EngineConfig.MODEL_DIR + "=" + dir + " is not a directory" + (Files.exists(p) ? "" : " (it does not exist)");
        }
        if (!Files.isRegularFile(p.resolve("config.json"))) {
            return EngineConfig.MODEL_DIR + "=" + dir + " has no config.json: not a Hugging Face checkpoint directory";
        }
        return null;
    }
}
