package dev.kembed.bench;

import dev.kembed.engine.djl.DjlModelRunner;
import dev.kembed.model.onnx.OnnxGraph;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

/** What ONNX Runtime reaches on one large MatMul here: the yardstick for every CPU engine number. */
final class MatMulCeiling {
    private MatMulCeiling() {}

    /** GFLOP/s of ONNX Runtime on one large MatMul (the FFN shape of longformer-base at 4096 tokens). */
    static double measure(int threads, int iterations) throws IOException {
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
            return 2.0 * m * k * n / BenchSupport.median(secs) / 1e9;
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(dir);
        }
    }
}
