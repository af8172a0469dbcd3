package dev.kembed.bench;

import dev.kembed.app.EngineOptions;
import dev.kembed.app.KembedModel;


import dev.kembed.engine.EngineFactory;
import dev.kembed.engine.EngineWindow;
import dev.kembed.engine.gpu.GpuHost;
import dev.kembed.engine.Precision;
import dev.kembed.model.arch.ModelConfig;
import dev.kembed.engine.WindowBatch;
import dev.kembed.text.EmbeddingSettings;
import dev.kembed.text.GlobalAttention;
import dev.kembed.text.Pooling;
import dev.kembed.text.WindowPlan;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "engine", mixinStandardHelpOptions = true,
        description = {"Times the engine per (length, batch) shape: tokens/s and achieved GFLOP/s, next to the GFLOP/s",
                "ONNX Runtime reaches on a plain large MatMul in the same run (the machine's practical ceiling).",
                "--precision takes a list (e.g. fp32,int8): each is timed side by side, interleaved, with its ratio to the first."})
final class BenchEngineCommand implements Callable<Integer> {
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
        boolean globalCls = GlobalAttention.cls("--global-attention", global);
        List<Precision> precisions = new ArrayList<>();
        for (String p : engine.precision().split(",")) {
            precisions.add(Precision.parse("--precision", p));
        }
        int threads = engine.threads();
        System.out.printf("# kembed bench engine  model=%s  engine=%s  precision=%s  threads=%s  cores=%d  global=%s%n", engine.model(),
                engine.engineName(), engine.precision(), threads == 0 ? "all" : threads, Runtime.getRuntime().availableProcessors(), global);
        boolean cpu = false;
        // measured before any model session exists: ONNX Runtime's idle intra-op threads spin after a run and would share the cores
        double ceiling = MatMulCeiling.measure(threads, iterations);
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
            System.out.printf("matmul ceiling (ORT MatMul 4096x768 @ 768x3072, fp32, before the model loads): %.1f GFLOP/s%n", ceiling);
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
                    double first = BenchSupport.median(ms[0]);
                    for (int p = 0; p < models.size(); p++) {
                        double median = BenchSupport.median(ms[p]);
                        double flops = cfg.family().forwardFlops(cfg, len, globalCls) * b;
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
            System.out.printf("matmul ceiling again (after the model closed): %.1f GFLOP/s%n", MatMulCeiling.measure(threads, iterations));
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
}
