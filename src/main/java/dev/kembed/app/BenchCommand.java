package dev.kembed.app;

import dev.kembed.model.checkpoint.Checkpoint;

import dev.kembed.engine.EngineWindow;
import dev.kembed.model.checkpoint.ModelConfig;
import dev.kembed.model.onnx.OnnxGraph;
import dev.kembed.engine.onnxruntime.OnnxModelRunner;
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
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks.", subcommands = {BenchCommand.Engine.class, BenchStreamCommand.class})
final class BenchCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.err);
    }

    @Command(name = "engine", mixinStandardHelpOptions = true,
            description = {"Times the engine per (length, batch) shape: tokens/s and achieved GFLOP/s, next to the GFLOP/s",
                    "ONNX Runtime reaches on a plain large MatMul in the same run (the machine's practical ceiling)."})
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

        @Override
        public Integer call() throws IOException {
            boolean globalCls = switch (global) {
                case "none" -> false;
                case "cls" -> true;
                default -> throw new IllegalArgumentException("--global-attention: allowed none, cls; got '" + global + "'");
            };
            int threads = engine.threads;
            System.out.printf("# kembed bench engine  model=%s  engine=%s  precision=%s  threads=%s  cores=%d  global=%s%n", engine.model,
                    engine.engine, engine.precision, threads == 0 ? "all" : threads, Runtime.getRuntime().availableProcessors(), global);
            double ceiling = matmulCeiling(threads, iterations);
            System.out.printf("matmul ceiling (ORT MatMul 4096x768 @ 768x3072, fp32): %.1f GFLOP/s%n", ceiling);
            System.out.printf("%-8s %-6s %-12s %-12s %-12s %-10s %s%n", "length", "batch", "median_ms", "tokens/s", "GFLOP/s", "of_ceiling", "runs_ms");
            try (KembedModel m = engine.open(globalCls)) {
                ModelConfig cfg = m.config();
                // the bench's windows are planned like a document's, so they carry the same specials and global mask
                WindowPlan plan = m.plan(new EmbeddingSettings(Pooling.CLS, globalCls ? GlobalAttention.CLS : GlobalAttention.NONE, false, 0, 0),
                        WindowPlan.SettingNames.CLI);
                SplittableRandom rnd = new SplittableRandom(7);
                for (int len : lengths) {
                    if (len > cfg.maxTokens()) {
                        System.out.printf("%-8d skipped: longer than the model's %d tokens%n", len, cfg.maxTokens());
                        continue;
                    }
                    for (int b : batches) {
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
                        WindowBatch batch = WindowBatch.of(ws);
                        m.engine().embed(batch); // warm-up
                        double[] ms = new double[iterations];
                        for (int i = 0; i < iterations; i++) {
                            ms[i] = m.engine().embed(batch).inferenceNanos() / 1e6;
                        }
                        double median = median(ms);
                        double flops = FlopCount.forward(cfg, len, globalCls) * b;
                        double gflops = flops / (median / 1e3) / 1e9;
                        System.out.printf("%-8d %-6d %-12.1f %-12.0f %-12.1f %-10.2f %s%n", len, b, median, b * len / (median / 1e3),
                                gflops, gflops / ceiling, Arrays.toString(Arrays.stream(ms).map(x -> Math.round(x)).toArray()));
                    }
                }
            }
            System.out.printf("matmul ceiling again (after the model runs): %.1f GFLOP/s%n", matmulCeiling(threads, iterations));
            return 0;
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
            try (OnnxModelRunner r = OnnxModelRunner.load(file, threads, 1)) {
                List<OnnxModelRunner.Input> in = List.of(new OnnxModelRunner.Input("x", a, m, k));
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
}
