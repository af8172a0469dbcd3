package dev.kembed.engine.onnxruntime;

import dev.kembed.engine.BatchResult;
import dev.kembed.engine.EmbeddingEngine;
import dev.kembed.engine.EngineInfo;
import dev.kembed.engine.EngineWindow;
import dev.kembed.engine.djl.PaddedBatch;
import dev.kembed.engine.WindowBatch;
import dev.kembed.engine.djl.DjlModelRunner;
import dev.kembed.engine.djl.GraphCall;
import dev.kembed.model.arch.Checkpoint;
import dev.kembed.model.arch.ModelConfig;
import dev.kembed.model.onnx.GraphOptions;
import dev.kembed.model.onnx.LinearFormat;
import dev.kembed.model.arch.EncoderGraphBuilder;
import dev.kembed.model.onnx.OnnxGraph;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
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

    private final DjlModelRunner runner;
    private final EngineInfo info;

    /**
     * @param intraOpThreads  ONNX Runtime threads per call (0 = all cores)
     * @param sessions        concurrent calls allowed
     * @param globalAttention build the global-attention path (needed for pooling "cls" with global CLS)
     * @param precision       fp32, or int8 (linear layers quantized, see {@link LinearFormat})
     */
    public OnnxRuntimeEngine(Checkpoint ckpt, String modelName, int intraOpThreads, int sessions, boolean globalAttention,
            Precision precision) {
        this(ckpt, modelName, intraOpThreads, sessions, globalAttention, precision, 0);
    }

    /** @param chunkSlots chunk slots per window pooled in the graph (late chunking), 0 = none */
    public OnnxRuntimeEngine(Checkpoint ckpt, String modelName, int intraOpThreads, int sessions, boolean globalAttention,
            Precision precision, int chunkSlots) {
        if (!PRECISIONS.contains(precision)) {
            throw new IllegalArgumentException(NAME + " does not run " + precision.label());
        }
        LinearFormat linear = precision == Precision.INT8 ? LinearFormat.INT8_DEFAULT : LinearFormat.FP32;
        GraphOptions graph = GraphOptions.dynamic(globalAttention).withLinear(linear).withChunkSlots(chunkSlots);
        EncoderGraphBuilder builder = new EncoderGraphBuilder(ckpt, graph);
        Map<String, Object> options = new LinkedHashMap<>();
        if (intraOpThreads > 0) {
            options.put("intraOpNumThreads", Integer.toString(intraOpThreads));
        }
        options.put("interOpNumThreads", "1");
        this.runner = loadGraph(builder, options, sessions);
        ModelConfig c = ckpt.config();
        this.info = EngineInfo.dynamic(NAME, modelName, Checkpoint.fingerprint(ckpt.dir()), precision, c, builder.hasGlobalAttention(),
                PRECISIONS, false, graph.numerics(), chunkSlots); // measured: on a CPU, batch 4 runs at batch 1's tokens/s (BENCHMARKS.md)
    }

    /** Writes the graph to a temporary file, loads it into ONNX Runtime with {@code options}, and deletes the file. */
    static DjlModelRunner loadGraph(EncoderGraphBuilder builder, Map<String, ?> options, int sessions) {
        OnnxGraph graph = builder.build();
        try {
            Path tmp = Files.createTempDirectory("kembed-graph");
            Path file = tmp.resolve("model.onnx");
            graph.writeTo(file);
            try {
                return DjlModelRunner.load(file, "OnnxRuntime", options, sessions);
            } finally {
                // ONNX Runtime holds the model (and any external data) in memory once the session exists
                Files.deleteIfExists(file);
                Files.deleteIfExists(tmp.resolve("model.onnx.data"));
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the ONNX graph: " + e.getMessage(), e);
        }
    }

    @Override
    public EngineInfo info() {
        return info;
    }

    @Override
    public BatchResult embed(WindowBatch batch) {
        List<EngineWindow> ws = batch.windows();
        ws.forEach(w -> GraphCall.check(w, info));
        return GraphCall.run(runner, PaddedBatch.of(ws, ws.size(), batch.maxLength(), info), info, false, batch.tokenStates(), ws);
    }

    @Override
    public void close() {
        runner.close();
    }
}
