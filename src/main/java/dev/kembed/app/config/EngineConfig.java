package dev.kembed.app.config;

import dev.kembed.engine.EngineFactory;
import dev.kembed.engine.EngineSpec;
import dev.kembed.engine.Precision;
import dev.kembed.engine.gpu.GpuSettings;
import java.nio.file.Path;
import java.util.List;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;

/** The model directory and the engine that runs it: which engine, its precision, threads and the GPU engines' static shapes. */
public final class EngineConfig extends ConfigArea {
    public static final String MODEL_DIR = "kembed.model.dir";
    public static final String MODEL_THREADS = "kembed.model.threads";
    public static final String ENGINE = "kembed.engine";
    public static final String PRECISION = "kembed.precision";
    public static final String ENGINE_BUCKETS = "kembed.engine.buckets";
    public static final String ENGINE_BATCH = "kembed.engine.batch";
    public static final String ENGINE_GLOBAL_SLOTS = "kembed.engine.global.slots";
    public static final String ENGINE_DEVICE = "kembed.engine.device";
    public static final String ENGINE_ORT_TENSORRT = "kembed.engine.onnxruntime.tensorrt";

    public EngineConfig(AbstractConfig values) {
        super(values);
    }

    public static void define(ConfigDef def) {
        def.define(MODEL_DIR, Type.STRING, "", Importance.HIGH, "Checkpoint directory (config.json, weights, tokenizer). Required.")
                .define(MODEL_THREADS, Type.INT, 0, Range.between(0, 1024), Importance.MEDIUM,
                        "Intra-op threads per engine call (0 = all cores).")
                .define(ENGINE, Type.STRING, EngineFactory.AUTO, Importance.HIGH,
                        "Engine by name: tensorrt, onnxruntime-gpu, onnxruntime-cpu; auto picks the first of these that can run here.")
                .define(PRECISION, Type.STRING, "fp32", Choice.of(Precision.class), Importance.MEDIUM,
                        "Numeric precision; the engine must support it. int8 (onnxruntime-cpu): quantized linear layers, "
                                + "document vectors within cosine 0.99 of fp32; see README \"int8 on the CPU\".")
                .define(ENGINE_BUCKETS, Type.LIST, "", new Lengths(), Importance.LOW,
                        "GPU engines: static window lengths, e.g. 512,1024,2048,4096 (empty = those, up to the model's limit, "
                                + "which is always added). The queue batches by these too.")
                .define(ENGINE_BATCH, Type.INT, 8, Range.between(1, 1024), Importance.LOW,
                        "GPU engines: windows per call; tensorrt builds one engine per (batch, length).")
                .define(ENGINE_GLOBAL_SLOTS, Type.INT, 1, Range.between(1, 64), Importance.LOW,
                        "tensorrt: global tokens per window its static graphs hold (cls pooling uses 1).")
                .define(ENGINE_DEVICE, Type.INT, 0, Range.between(0, 64), Importance.LOW, "GPU engines: CUDA device index.")
                .define(ENGINE_ORT_TENSORRT, Type.BOOLEAN, false, Importance.LOW,
                        "onnxruntime-gpu: run through ONNX Runtime's TensorRT provider (needed for fp16); engines cached under the data directory.");
    }

    /** The engine is one kembed knows by name. */
    public void check(ConfigErrors errors) {
        if (errors.parsed(ENGINE) && !EngineFactory.names().contains(values.getString(ENGINE))) {
            errors.add(ENGINE + "=" + values.getString(ENGINE) + " is not an engine; allowed: " + String.join(", ", EngineFactory.names()));
        }
    }

    /** As given; whether it is a checkpoint directory is checked at start-up ({@link ModelDirCheck}). */
    public String modelDirSetting() {
        return values.getString(MODEL_DIR);
    }

    /** Checked at start-up ({@link ModelDirCheck}): an existing checkpoint directory. */
    public Path modelDir() {
        return Path.of(modelDirSetting().trim());
    }

    /**
     * @param dataDir       where the GPU engines keep their built engines ({@code <data-dir>/engines})
     * @param engineThreads workers running batches on the engine ({@link QueueConfig#ENGINE_THREADS})
     * @param globalCls     whether the graph gives {@code <s>} global attention (the embedding settings decide)
     */
    public EngineSpec engineSpec(Path dataDir, int engineThreads, boolean globalCls) {
        List<Integer> buckets = values.getList(ENGINE_BUCKETS).stream().map(b -> Integer.valueOf(b.trim())).toList(); // validated at start-up
        GpuSettings gpu = new GpuSettings(buckets, values.getInt(ENGINE_BATCH), values.getInt(ENGINE_GLOBAL_SLOTS), dataDir.resolve("engines"),
                values.getBoolean(ENGINE_ORT_TENSORRT), values.getInt(ENGINE_DEVICE));
        return new EngineSpec(values.getString(ENGINE), Precision.parse(PRECISION, values.getString(PRECISION)), values.getInt(MODEL_THREADS),
                engineThreads, globalCls, gpu);
    }
}
