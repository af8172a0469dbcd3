package dev.kembed.model.arch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kembed.model.checkpoint.CheckpointException;
import dev.kembed.model.checkpoint.FloatTensor;
import dev.kembed.model.checkpoint.PytorchCheckpointReader;
import dev.kembed.model.checkpoint.SafetensorsFile;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A loaded Hugging Face encoder checkpoint: its config and every weight the graph needs, by HF
 * name without the {@code longformer.}/{@code bert.}/{@code roberta.} prefix, shape-checked.
 */
public final class Checkpoint {
    private final Path dir;
    private final ModelConfig config;
    private final Map<String, FloatTensor> weights;
    private final String source;

    public Checkpoint(Path dir, ModelConfig config, Map<String, FloatTensor> weights, String source) {
        this.dir = dir;
        this.config = config;
        this.weights = weights;
        this.source = source;
        validate();
    }

    public static Checkpoint load(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new CheckpointException(dir + ": model directory does not exist");
        }
        ModelConfig config = ModelConfig.read(dir);
        Path single = dir.resolve("model.safetensors");
        Path index = dir.resolve("model.safetensors.index.json");
        Path bin = dir.resolve("pytorch_model.bin");
        Path binIndex = dir.resolve("pytorch_model.bin.index.json");
        Map<String, FloatTensor> raw = new LinkedHashMap<>();
        String source;
        if (Files.isRegularFile(single)) {
            SafetensorsFile.read(single).forEach((k, v) -> raw.put(k, v.toFloat(single)));
            source = single.toString();
        } else if (Files.isRegularFile(index)) {
            for (Path shard : shards(index)) {
                SafetensorsFile.read(shard).forEach((k, v) -> raw.put(k, v.toFloat(shard)));
            }
            source = index.toString();
        } else if (Files.isRegularFile(bin)) {
            raw.putAll(PytorchCheckpointReader.read(bin));
            source = bin.toString();
        } else if (Files.isRegularFile(binIndex)) {
            for (Path shard : shards(binIndex)) {
                raw.putAll(PytorchCheckpointReader.read(shard));
            }
            source = binIndex.toString();
        } else {
            throw new CheckpointException(dir + ": no weights found; expected model.safetensors, "
                    + "model.safetensors.index.json (sharded), pytorch_model.bin or pytorch_model.bin.index.json (sharded)");
        }
        return new Checkpoint(dir, config, normalizeNames(raw, config.family().weightPrefixes()), source);
    }

    private static List<Path> shards(Path index) {
        try {
            JsonNode map = new ObjectMapper().readTree(index.toFile()).path("weight_map");
            if (!map.isObject()) {
                throw new CheckpointException(index + ": no weight_map object");
            }
            Set<Path> files = new LinkedHashSet<>();
            for (Iterator<JsonNode> it = map.elements(); it.hasNext(); ) {
                Path shard = index.resolveSibling(it.next().asText());
                if (!Files.isRegularFile(shard)) {
                    throw new CheckpointException(index + ": shard " + shard.getFileName() + " is missing");
                }
                files.add(shard);
            }
            return new ArrayList<>(files);
        } catch (IOException e) {
            throw new CheckpointException(index + ": not valid JSON: " + e.getMessage(), e);
        }
    }

    /** Strips the architecture's task-head prefixes and maps the old LayerNorm gamma/beta names to weight/bias. */
    static Map<String, FloatTensor> normalizeNames(Map<String, FloatTensor> raw, List<String> prefixes) {
        Map<String, FloatTensor> out = new LinkedHashMap<>();
        raw.forEach((name, t) -> {
            String n = name;
            for (String p : prefixes) {
                if (n.startsWith(p)) {
                    n = n.substring(p.length());
                }
            }
            if (n.endsWith("LayerNorm.gamma")) {
                n = n.substring(0, n.length() - "gamma".length()) + "weight";
            } else if (n.endsWith("LayerNorm.beta")) {
                n = n.substring(0, n.length() - "beta".length()) + "bias";
            }
            out.put(n, t);
        });
        return out;
    }

    /** Every tensor the graph reads, with the shape the config implies. */
    public static Map<String, int[]> expectedShapes(ModelConfig c) {
        return c.family().weightShapes(c);
    }

    private void validate() {
        expectedShapes(config).forEach((name, shape) -> {
            FloatTensor t = weights.get(name);
            if (t == null) {
                throw new CheckpointException(source + ": tensor '" + name + "' is missing (config.json says "
                        + config.family().name() + " with " + config.numLayers() + " layers)");
            }
            if (!Arrays.equals(t.shape(), shape)) {
                throw new CheckpointException(source + ": tensor '" + name + "' has shape " + t.shapeString()
                        + " but config.json implies " + Arrays.toString(shape));
            }
        });
    }

    public ModelConfig config() {
        return config;
    }

    public Path dir() {
        return dir;
    }

    public FloatTensor tensor(String name) {
        FloatTensor t = weights.get(name);
        if (t == null) {
            throw new CheckpointException(source + ": tensor '" + name + "' is missing");
        }
        return t;
    }

    public Map<String, FloatTensor> weights() {
        return weights;
    }

    /** The files the tokenizer is read from ({@code tokenizer.json}, else the vocab.json + merges.txt fallback). */
    static final List<String> TOKENIZER_FILES = List.of("tokenizer.json", "vocab.json", "merges.txt");

    /**
     * A short, stable identity of the exact model (config, weight bytes and tokenizer), carried on
     * every output record so a consumer can tell vectors of different models apart: a changed
     * tokenizer turns the same text into other ids, so it is another model.
     */
    public static String fingerprint(Path dir) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (String f : List.of("config.json", "model.safetensors", "model.safetensors.index.json", "pytorch_model.bin",
                    "pytorch_model.bin.index.json")) {
                Path p = dir.resolve(f);
                if (Files.isRegularFile(p)) {
                    digest(md, p);
                }
            }
            for (String index : List.of("model.safetensors.index.json", "pytorch_model.bin.index.json")) {
                if (Files.isRegularFile(dir.resolve(index))) {
                    for (Path shard : shards(dir.resolve(index))) {
                        digest(md, shard);
                    }
                }
            }
            for (String f : TOKENIZER_FILES) {
                Path p = dir.resolve(f);
                if (Files.isRegularFile(p)) {
                    md.update(f.getBytes(StandardCharsets.UTF_8)); // named: moving bytes between files changes it
                    digest(md, p);
                }
            }
            return HexFormat.of().formatHex(md.digest()).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void digest(MessageDigest md, Path p) {
        byte[] buf = new byte[1 << 20];
        try (InputStream in = Files.newInputStream(p)) {
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
        } catch (IOException e) {
            throw new CheckpointException(p + ": cannot read: " + e.getMessage(), e);
        }
    }
}
