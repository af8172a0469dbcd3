package dev.kembed.app;


import dev.kembed.engine.EngineFactory;
import dev.kembed.engine.EngineWindow;
import dev.kembed.engine.GpuHost;
import dev.kembed.engine.Precision;
import dev.kembed.model.checkpoint.ModelConfig;
import dev.kembed.model.onnx.LinearFormat;
import dev.kembed.model.onnx.OnnxGraph;
import dev.kembed.engine.djl.DjlModelRunner;
import dev.kembed.engine.WindowBatch;
import dev.kembed.text.EmbeddingSettings;
import dev.kembed.text.GlobalAttention;
import dev.kembed.text.Pooling;
import dev.kembed.text.WindowPlan;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code kembed bench ...}: benchmark harnesses that print numbers. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks.", subcommands = {BenchCommand.Engine.class, BenchCommand.Linear.class, BenchStreamCommand.class, BenchBurstCommand.class, BenchEditsCommand.class})
final class BenchCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.err);
    }

    @Command(name = "engine", mixinStandardHelpOptions = true,
            description = {"Times the engine per (length, batch) shape: tokens/s and achieved GFLOP/s, next to the GFLOP/s",
                    "ONNX Runtime reaches on a plain large MatMul in the same run (the machine's practical ceiling).",
                    "--precision takes a list (e.g. fp32,int8): each is timed side by side, interleaved, with its ratio to the first."})
    static final class Engine implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        EngineOptions engine;

        @Option(names = "--lengths", split = ",", defaultValue = "512,4096", description = "Window lengths. Default: ${DEFAULT-VALUE}")
        List<Integer> lengths;

        @Option(names = "--batch", split = ",", defaultValue = "1,4", description = "Batch sizes. Default: ${DEFAULT-VALUE}")
        List<Integer> batches;

        @Option(names = "--iterations", defaultValue = "3", description = "Timed runs per shape (after one warm-up). Default: ${DEFAULT-VALUE}")
        int iterations;

        @Option(names = "--global-attention", defaultValue = "none", description = "none or cls (global <s> per window). Default: ${DEFAULT-VALUE}")
        String global;

        @Option(names = "--peak-tflops", description = "GPU engines: the device's dense peak for the share-of-peak column "
                + "(default: a datasheet table of known GPUs, by nvidia-smi's name).")
        Double peakTflops;

        @Override
        public Integer call() throws IOException {
            boolean globalCls = switch (global) {
                case "none" -> false;
                case "cls" -> true;
                default -> throw new IllegalArgumentException("--global-attention: allowed none, cls; got '" + global + "'");
            };
            List<Precision> precisions = new ArrayList<>();
            for (String p : engine.precision.split(",")) {
                precisions.add(Precision.parse("--precision", p));
            }
            int threads = engine.threads;
            System.out.printf("# kembed bench engine  model=%s  engine=%s  precision=%s  threads=%s  cores=%d  global=%s%n", engine.model,
                    engine.engine, engine.precision, threads == 0 ? "all" : threads, Runtime.getRuntime().availableProcessors(), global);
            boolean cpu = false;
            List<KembedModel> models = new ArrayList<>();
            try {
                for (Precision p : precisions) {
                    models.add(engine.open(globalCls, p));
                }
                cpu = models.get(0).engine().info().engine().equals(EngineFactory.ONNXRUNTIME_CPU);
            } catch (RuntimeException e) {
                models.forEach(KembedModel::close);
                throw e;
            }
            // the yardstick: on a CPU, ONNX Runtime's own large MatMul in this run; on a GPU, the device's dense peak
            double[] refGflops = new double[precisions.size()];
            String refName;
            if (cpu) {
                double ceiling = matmulCeiling(threads, iterations);
                System.out.printf("matmul ceiling (ORT MatMul 4096x768 @ 768x3072, fp32): %.1f GFLOP/s%n", ceiling);
                java.util.Arrays.fill(refGflops, ceiling);
                refName = "of_ceiling";
            } else {
                String gpu = GpuHost.gpuName(0);
                for (int p = 0; p < precisions.size(); p++) {
                    Double peak = peakTflops != null ? peakTflops : GpuPeaks.denseTflops(gpu, precisions.get(p));
                    refGflops[p] = peak == null ? Double.NaN : peak * 1000;
                    System.out.printf("device %s, %s dense peak: %s%n", gpu, precisions.get(p).label(),
                            peak == null ? "unknown (pass --peak-tflops)" : peak + " TFLOP/s" + (peakTflops != null ? " (--peak-tflops)" : " (datasheet)"));
                }
                refName = "of_peak";
            }
            System.out.printf("%-8s %-6s %-10s %-12s %-12s %-12s %-10s %-10s %s%n", "length", "batch", "precision", "median_ms", "tokens/s",
                    cpu ? "GFLOP/s" : "TFLOP/s", refName, "vs_" + precisions.get(0).label(), "runs_ms");
            double unit = cpu ? 1 : 1000; // GFLOP/s on a CPU, TFLOP/s on a GPU
            try {
                ModelConfig cfg = models.get(0).config();
                // the bench's windows are planned like a document's, so they carry the same specials and global mask
                WindowPlan plan = models.get(0).plan(new EmbeddingSettings(Pooling.CLS, globalCls ? GlobalAttention.CLS : GlobalAttention.NONE,
                        false, 0, 0), WindowPlan.SettingNames.CLI);
                SplittableRandom rnd = new SplittableRandom(7);
                for (int len : lengths) {
                    if (len > cfg.maxTokens()) {
                        System.out.printf("%-8d skipped: longer than the model's %d tokens%n", len, cfg.maxTokens());
                        continue;
                    }
                    for (int b : batches) {
                        WindowBatch batch = randomBatch(cfg, plan, len, b, rnd);
                        double[][] ms = new double[models.size()][iterations];
                        for (KembedModel m : models) {
                            m.engine().embed(batch); // warm-up
                        }
                        // interleaved, so a slow spell of the machine hits every precision alike
                        for (int i = 0; i < iterations; i++) {
                            for (int p = 0; p < models.size(); p++) {
                                ms[p][i] = models.get(p).engine().embed(batch).inferenceNanos() / 1e6;
                            }
                        }
                        double first = median(ms[0]);
                        for (int p = 0; p < models.size(); p++) {
                            double median = median(ms[p]);
                            double flops = FlopCount.forward(cfg, len, globalCls) * b;
                            double gflops = flops / (median / 1e3) / 1e9;
                            System.out.printf("%-8d %-6d %-10s %-12.1f %-12.0f %-12.2f %-10.3f %-10.2f %s%n", len, b, precisions.get(p).label(),
                                    median, b * len / (median / 1e3), gflops / unit, gflops / refGflops[p], first / median,
                                    Arrays.toString(Arrays.stream(ms[p]).map(x -> Math.round(x)).toArray()));
                        }
                    }
                }
            } finally {
                models.forEach(KembedModel::close);
            }
            if (cpu) {
                System.out.printf("matmul ceiling again (after the model runs): %.1f GFLOP/s%n", matmulCeiling(threads, iterations));
            }
            return 0;
        }

        private static WindowBatch randomBatch(ModelConfig cfg, WindowPlan plan, int len, int b, SplittableRandom rnd) {
            List<EngineWindow> ws = new ArrayList<>();
            for (int i = 0; i < b; i++) {
                int[] ids = new int[len];
                int[] pool = new int[len];
                for (int t = 0; t < len; t++) {
                    ids[t] = 4 + rnd.nextInt(Math.min(cfg.vocabSize(), 30000) - 4);
                    pool[t] = 1;
                }
                ids[0] = cfg.bosTokenId();
                ids[len - 1] = cfg.eosTokenId();
                ws.add(WindowPlan.engineWindow(ids, pool, plan.globalCls()));
            }
            return WindowBatch.of(ws);
        }

        static double median(double[] xs) {
            double[] s = xs.clone();
            Arrays.sort(s);
            return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
        }

        /** GFLOP/s of ONNX Runtime on one large MatMul (the FFN shape of longformer-base at 4096 tokens). */
        static double matmulCeiling(int threads, int iterations) throws IOException {
            int m = 4096;
            int k = 768;
            int n = 3072;
            SplittableRandom rnd = new SplittableRandom(1);
            float[] w = new float[k * n];
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) (rnd.nextDouble() - 0.5);
            }
            float[] a = new float[m * k];
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) (rnd.nextDouble() - 0.5);
            }
            OnnxGraph g = new OnnxGraph("matmul");
            String x = g.input("x", 1, (long) m, (long) k);
            g.output(g.op("MatMul", x, g.floats("w", w, k, n)), "y", 1, (long) m, (long) n);
            Path dir = Files.createTempDirectory("kembed-bench");
            Path file = dir.resolve("matmul.onnx");
            g.writeTo(file);
            try (DjlModelRunner r = DjlModelRunner.load(file, threads, 1)) {
                List<DjlModelRunner.Input> in = List.of(new DjlModelRunner.Input("x", a, m, k));
                r.run(in);
                double[] secs = new double[Math.max(3, iterations)];
                for (int i = 0; i < secs.length; i++) {
                    long t0 = System.nanoTime();
                    r.run(in);
                    secs[i] = (System.nanoTime() - t0) / 1e9;
                }
                return 2.0 * m * k * n / median(secs) / 1e9;
            } finally {
                Files.deleteIfExists(file);
                Files.deleteIfExists(dir);
            }
        }
    }

    @Command(name = "linear", mixinStandardHelpOptions = true,
            description = {"Times one linear layer (x · W + b) in every format the graph builder can write, side by side in one run:",
                    "fp32 and each int8 formulation, with GOP/s, the ratio to fp32 and the largest difference from fp32."})
    static final class Linear implements Callable<Integer> {
        @Option(names = "--rows", split = ",", defaultValue = "512,4096", description = "Rows of x (tokens). Default: ${DEFAULT-VALUE}")
        List<Integer> rows;

        @Option(names = "--in", defaultValue = "768", description = "Input features. Default: ${DEFAULT-VALUE}")
        int in;

        @Option(names = "--out", defaultValue = "3072", description = "Output features. Default: ${DEFAULT-VALUE}")
        int out;

        @Option(names = "--threads", defaultValue = "0", description = "ONNX Runtime intra-op threads (0 = all cores). Default: ${DEFAULT-VALUE}")
        int threads;

        @Option(names = "--iterations", defaultValue = "7", description = "Timed runs per format (after one warm-up). Default: ${DEFAULT-VALUE}")
        int iterations;

        @Option(names = "--rounds", defaultValue = "2", description = "Rounds over all formats (interleaved, so drift hits every format alike). Default: ${DEFAULT-VALUE}")
        int rounds;

        @Override
        public Integer call() throws IOException {
            System.out.printf("# kembed bench linear  x=[rows,%d] @ [%d,%d] + b  threads=%s  cores=%d%n", in, in, out,
                    threads == 0 ? "all" : threads, Runtime.getRuntime().availableProcessors());
            SplittableRandom rnd = new SplittableRandom(3);
            float[] w = new float[in * out];
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) (rnd.nextGaussian() * 0.02);
            }
            float[] bias = new float[out];
            for (int i = 0; i < bias.length; i++) {
                bias[i] = (float) (rnd.nextGaussian() * 0.02);
            }
            System.out.printf("%-8s %-32s %-10s %-10s %-10s %s%n", "rows", "format", "median_ms", "GOP/s", "vs_fp32", "max_abs_diff_vs_fp32");
            Path dir = Files.createTempDirectory("kembed-bench");
            try {
                for (int m : rows) {
                    float[] x = new float[m * in];
                    for (int i = 0; i < x.length; i++) {
                        x[i] = (float) rnd.nextGaussian(); // LayerNorm output scale
                    }
                    LinearFormat[] formats = LinearFormat.values();
                    double[][] ms = new double[formats.length][];
                    float[][] outputs = new float[formats.length][];
                    List<DjlModelRunner> runners = new ArrayList<>();
                    try {
                        for (LinearFormat f : formats) {
                            OnnxGraph g = new OnnxGraph("linear");
                            String xi = g.input("x", 1, (long) m, (long) in);
                            g.output(f.append(g, xi, "l", w, new long[] {in, out}, bias), "y", 1, (long) m, (long) out);
                            Path file = dir.resolve(f.label() + ".onnx");
                            g.writeTo(file);
                            runners.add(DjlModelRunner.load(file, threads, 1));
                            Files.delete(file);
                        }
                        List<DjlModelRunner.Input> input = List.of(new DjlModelRunner.Input("x", x, m, in));
                        for (int f = 0; f < formats.length; f++) {
                            outputs[f] = runners.get(f).run(input).get("y").data(); // warm-up
                            ms[f] = new double[iterations * rounds];
                        }
                        for (int r = 0; r < rounds; r++) {
                            for (int f = 0; f < formats.length; f++) {
                                for (int i = 0; i < iterations; i++) {
                                    long t0 = System.nanoTime();
                                    runners.get(f).run(input);
                                    ms[f][r * iterations + i] = (System.nanoTime() - t0) / 1e6;
                                }
                            }
                        }
                    } finally {
                        runners.forEach(DjlModelRunner::close);
                    }
                    double fp32 = Engine.median(ms[0]);
                    for (int f = 0; f < formats.length; f++) {
                        double med = Engine.median(ms[f]);
                        double diff = 0;
                        for (int i = 0; i < outputs[f].length; i++) {
                            diff = Math.max(diff, Math.abs(outputs[f][i] - outputs[0][i]));
                        }
                        System.out.printf("%-8d %-32s %-10.2f %-10.1f %-10.2f %.4f%n", m, formats[f].label(), med,
                                2.0 * m * in * out / (med / 1e3) / 1e9, fp32 / med, diff);
                    }
                }
            } finally {
                Files.deleteIfExists(dir);
            }
            return 0;
        }
    }
}
