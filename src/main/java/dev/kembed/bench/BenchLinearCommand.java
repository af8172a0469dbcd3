package dev.kembed.bench;


import dev.kembed.model.onnx.LinearFormat;
import dev.kembed.model.onnx.OnnxGraph;
import dev.kembed.engine.djl.DjlModelRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "linear", mixinStandardHelpOptions = true,
        description = {"Times one linear layer (x · W + b) in every format the graph builder can write, side by side in one run:",
                "fp32 and each int8 formulation, with GOP/s, the ratio to fp32 and the largest difference from fp32."})
final class BenchLinearCommand implements Callable<Integer> {
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
                double fp32 = BenchSupport.median(ms[0]);
                for (int f = 0; f < formats.length; f++) {
                    double med = BenchSupport.median(ms[f]);
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
