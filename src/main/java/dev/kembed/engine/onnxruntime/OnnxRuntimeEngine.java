package dev.kembed.engine.onnxruntime;

import dev.kembed.engine.BatchResult;
import dev.kembed.engine.EmbeddingEngine;
import dev.kembed.engine.EngineException;
import dev.kembed.engine.EngineInfo;
import dev.kembed.engine.EngineWindow;
import dev.kembed.engine.WindowBatch;
import dev.kembed.engine.WindowResult;
import dev.kembed.model.checkpoint.Checkpoint;
import dev.kembed.model.checkpoint.ModelConfig;
import dev.kembed.model.onnx.GraphOptions;
import dev.kembed.model.onnx.LinearFormat;
import dev.kembed.model.onnx.LongformerGraphBuilder;
import dev.kembed.model.onnx.OnnxGraph;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import dev.kembed.engine.Precision;

/**
 * {@link EmbeddingEngine} on ONNX Runtime (CPU) through DJL: builds the graph from the checkpoint
 * (dynamic batch and length), loads it, and pads each batch to its longest window.
 */
public final class OnnxRuntimeEngine implements EmbeddingEngine {
    public static final String NAME = "onnxruntime-cpu";
    static final Set<Precision> PRECISIONS = Set.of(Precision.FP32, Precision.INT8);
    private static final Set<String> POOLED_OUTPUTS = Set.of("cls", "sum", "count");

    private final OnnxModelRunner runner;
    private final EngineInfo info;
    private final int hidden;

    /**
     * @param intraOpThreads  ONNX Runtime threads per call (0 = all cores)
     * @param sessions        concurrent calls allowed
     * @param globalAttention build the global-attention path (needed for pooling "cls" with global CLS)
     * @param precision       fp32, or int8 (linear layers quantized, see {@link LinearFormat})
     */
    public OnnxRuntimeEngine(Checkpoint ckpt, String modelName, int intraOpThreads, int sessions, boolean globalAttention,
            Precision precision) {
        if (!PRECISIONS.contains(precision)) {
            throw new IllegalArgumentException(NAME + " does not run " + precision.label());
        }
        LinearFormat linear = precision == Precision.INT8 ? LinearFormat.INT8_DEFAULT : LinearFormat.FP32;
        LongformerGraphBuilder builder = new LongformerGraphBuilder(ckpt, GraphOptions.dynamic(globalAttention).withLinear(linear));
        OnnxGraph graph = builder.build();
        Path tmp;
        try {
            tmp = Files.createTempDirectory("kembed-graph");
            Path file = tmp.resolve("model.onnx");
            graph.writeTo(file);
            try {
                this.runner = OnnxModelRunner.load(file, intraOpThreads, sessions);
            } finally {
                // ONNX Runtime holds the model in memory once the session exists
                Files.deleteIfExists(file);
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the ONNX graph: " + e.getMessage(), e);
        }
        ModelConfig c = ckpt.config();
        this.hidden = c.hiddenSize();
        this.info = EngineInfo.dynamic(NAME, modelName, Checkpoint.fingerprint(ckpt.dir()), precision, c, builder.hasGlobalAttention(),
                PRECISIONS);
    }

    @Override
    public EngineInfo info() {
        return info;
    }

    @Override
    public BatchResult embed(WindowBatch batch) {
        List<EngineWindow> ws = batch.windows();
        int b = ws.size();
        int len = batch.maxLength();
        int[] ids = new int[b * len];
        int[] am = new int[b * len];
        int[] gm = new int[b * len];
        int[] pm = new int[b * len];
        Arrays.fill(ids, info.padTokenId());
        for (int i = 0; i < b; i++) {
            EngineWindow w = ws.get(i);
            check(w);
            System.arraycopy(w.inputIds(), 0, ids, i * len, w.length());
            Arrays.fill(am, i * len, i * len + w.length(), 1);
            if (w.globalMask() != null) {
                System.arraycopy(w.globalMask(), 0, gm, i * len, w.length());
            }
            System.arraycopy(w.poolMask(), 0, pm, i * len, w.length());
        }
        long t0 = System.nanoTime();
        Map<String, OnnxModelRunner.Output> out = runner.run(List.of(
                new OnnxModelRunner.Input("input_ids", ids, b, len),
                new OnnxModelRunner.Input("attention_mask", am, b, len),
                new OnnxModelRunner.Input("global_attention_mask", gm, b, len),
                new OnnxModelRunner.Input("pool_mask", pm, b, len)),
                batch.tokenStates() ? null : POOLED_OUTPUTS);
        long nanos = System.nanoTime() - t0;
        float[] cls = out.get("cls").data();
        float[] sum = out.get("sum").data();
        float[] count = out.get("count").data();
        float[] states = batch.tokenStates() ? out.get("last_hidden_state").data() : null;
        List<WindowResult> results = new ArrayList<>(b);
        for (int i = 0; i < b; i++) {
            float[][] tokens = null;
            if (states != null) {
                tokens = new float[ws.get(i).length()][];
                for (int t = 0; t < tokens.length; t++) {
                    int from = (i * len + t) * hidden;
                    tokens[t] = Arrays.copyOfRange(states, from, from + hidden);
                }
            }
            results.add(new WindowResult(
                    Arrays.copyOfRange(cls, i * hidden, (i + 1) * hidden),
                    Arrays.copyOfRange(sum, i * hidden, (i + 1) * hidden),
                    count[i], tokens));
        }
        return new BatchResult(results, nanos, (long) len * b);
    }

    /** Refuses what this graph can never run, before anything reaches ONNX Runtime. */
    private void check(EngineWindow w) {
        if (w.length() > info.maxTokens()) {
            throw EngineException.badWindow("window-too-long", "a window of " + w.length() + " tokens exceeds the model's " + info.maxTokens());
        }
        if (w.globalMask() != null && !info.globalAttention()) {
            for (int x : w.globalMask()) {
                if (x != 0) {
                    throw EngineException.badWindow("global-attention-unsupported",
                            "this engine was built without global attention but a window asks for it");
                }
            }
        }
        for (int id : w.inputIds()) {
            if (id < 0 || id >= info.vocabSize()) {
                throw EngineException.badWindow("invalid-token-id", "token id " + id + " is outside the vocabulary [0, " + info.vocabSize() + ")");
            }
        }
    }

    @Override
    public void close() {
        runner.close();
    }
}
