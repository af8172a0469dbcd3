package dev.kembed.engine.tensorrt;

import dev.kembed.engine.BatchResult;
import dev.kembed.engine.EmbeddingEngine;
import dev.kembed.engine.EngineException;
import dev.kembed.engine.EngineInfo;
import dev.kembed.engine.EngineSpec;
import dev.kembed.engine.gpu.GpuHost;
import dev.kembed.engine.gpu.GpuSettings;
import dev.kembed.engine.Precision;
import dev.kembed.engine.WindowBatch;
import dev.kembed.engine.djl.DjlModelRunner;
import dev.kembed.engine.djl.GraphCache;
import dev.kembed.engine.djl.StaticShapes;
import dev.kembed.model.arch.Checkpoint;
import dev.kembed.model.arch.ModelConfig;
import dev.kembed.model.arch.Architectures;
import dev.kembed.model.onnx.GraphOptions;
import dev.kembed.model.arch.EncoderGraphBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code tensorrt}: DJL's TensorRT engine (TensorRT 8.x). It takes static shapes only, so there is
 * one engine per (batch, length) bucket, each built from the TensorRT-8 graph variant. The buckets
 * are declared in {@link EngineInfo} so that the queue only forms batches that fit one, and a
 * smaller batch is filled up with filler rows whose results are dropped.
 *
 * <p>DJL 0.33's TensorRT JNI builds an engine from ONNX at load time but has no call that
 * serializes it, so kembed cannot write the engine cache itself: it loads {@code <key>.trt} from
 * the cache directory when one is there (for example written by {@code trtexec --saveEngine}, as
 * {@code scripts/gpu-check.sh} does) and otherwise builds from {@code <key>.onnx}.
 */
public final class TensorRtEngine implements EmbeddingEngine {
    private static final Logger LOG = LoggerFactory.getLogger(TensorRtEngine.class);
    public static final String NAME = TensorRtProvider.NAME;
    private static final Set<Precision> PRECISIONS = TensorRtProvider.PRECISIONS;

    private final EngineInfo info;
    private final Map<Integer, DjlModelRunner> byLength = new LinkedHashMap<>();
    private final List<Integer> lengths;
    private final int batch;
    private final StaticShapes shapes;
    private final int slots;

    TensorRtEngine(Checkpoint ckpt, String modelName, EngineSpec spec) {
        if (!PRECISIONS.contains(spec.precision())) {
            throw new IllegalArgumentException(NAME + " does not run " + spec.precision().label());
        }
        ModelConfig c = ckpt.config();
        GpuSettings gpu = spec.gpu();
        boolean global = spec.globalAttention() && c.family().globalProjections();
        this.lengths = gpu.lengthsFor(c.maxTokens(), c.padMultiple());
        this.batch = gpu.batch();
        this.shapes = new StaticShapes(lengths, batch, true, true);
        this.slots = global ? gpu.globalSlots() : 0;
        String fingerprint = Checkpoint.fingerprint(ckpt.dir());
        Path dir = gpu.engineCache("tensorrt");
        String trtVersion = ai.djl.engine.Engine.getEngine("TensorRT").getVersion();
        String gpuName = GpuHost.gpuName(gpu.device());
        Map<String, String> options = new LinkedHashMap<>();
        if (spec.precision() == Precision.FP16) {
            options.put("fp16", "true");
        }
        try {
            for (int len : lengths) {
                EngineCacheKey key = new EngineCacheKey(fingerprint, batch, len, slots, spec.chunkSlots(), spec.precision(), trtVersion, gpuName);
                Path serialized = dir.resolve(key.fileName() + ".trt");
                Path file = serialized;
                if (!Files.exists(serialized)) {
                    int length = len;
                    file = GraphCache.ensure(dir, key.fileName() + ".onnx",
                            out -> new EncoderGraphBuilder(ckpt, graphFor(global, length, spec)).build().writeTo(out));
                }
                long t0 = System.nanoTime();
                byLength.put(len, DjlModelRunner.load(file, "TensorRT", options, spec.sessions(), gpu.device()));
                LOG.info("tensorrt: bucket {}x{} {} {} in {} ms ({})", batch, len, spec.precision().label(),
                        file == serialized ? "loaded" : "built", (System.nanoTime() - t0) / 1_000_000, file);
            }
        } catch (IOException e) {
            close();
            throw new UncheckedIOException("cannot write the TensorRT graphs to " + dir + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        this.info = new EngineInfo(NAME, modelName, fingerprint, spec.precision(), c.family(), c.hiddenSize(), c.maxTokens(), c.padMultiple(),
                global, PRECISIONS, lengths, batch, true, c.vocabSize(), c.padTokenId(), c.bosTokenId(), c.eosTokenId(), true,
                graphFor(global, lengths.get(0), spec).numerics() + "/" + spec.precision().label() + "/trt" + trtVersion, spec.chunkSlots());
    }

    /** The TensorRT-8 graph of one length bucket, with a static chunk-slot count per window when late chunking is on. */
    private GraphOptions graphFor(boolean global, int length, EngineSpec spec) {
        return GraphOptions.tensorRt8(global, batch, length, Math.max(1, slots)).withChunkSlots(spec.chunkSlots());
    }

    @Override
    public EngineInfo info() {
        return info;
    }

    @Override
    public BatchResult embed(WindowBatch batch) {
        return shapes.call(batch, info, byLength::get, in -> {
            if (in.maxGlobalTokens() > Math.max(1, slots)) {
                throw EngineException.badWindow("too-many-global-tokens", "a window has " + in.maxGlobalTokens()
                        + " global tokens; this engine's graphs hold " + Math.max(1, slots) + " (kembed.engine.global.slots)");
            }
        });
    }

    @Override
    public void close() {
        byLength.values().forEach(DjlModelRunner::close);
        byLength.clear();
    }
}
