package dev.kembed.model.arch;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kembed.model.checkpoint.FloatTensor;
import dev.kembed.model.checkpoint.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Writes a checkpoint directory in Hugging Face layout: config.json + model.safetensors. */
public final class CheckpointWriter {
    private CheckpointWriter() {}

    public static void write(Path dir, ModelConfig config, Map<String, FloatTensor> weights) throws IOException {
        Files.createDirectories(dir);
        new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(dir.resolve("config.json").toFile(), config.toJson());
        SafetensorsWriter.write(dir.resolve("model.safetensors"), weights);
    }
}
