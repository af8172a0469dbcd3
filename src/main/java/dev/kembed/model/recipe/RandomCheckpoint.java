package dev.kembed.model.recipe;

import dev.kembed.model.checkpoint.Checkpoint;
import dev.kembed.model.checkpoint.FloatTensor;
import dev.kembed.model.checkpoint.ModelConfig;
import dev.kembed.model.checkpoint.ModelFamily;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Random weights for every tensor a config implies. Used for benchmarks (the {@code base} preset
 * has exactly longformer-base-4096's shapes) and by tests; LayerNorm parameters are randomised
 * too (around 1 and 0) so that no parameter can hide a bug by being an identity.
 */
public final class RandomCheckpoint {
    private RandomCheckpoint() {}

    /** The tiny preset: small enough for unit tests, two different windows. */
    public static ModelConfig tinyConfig(int vocabSize) {
        return new ModelConfig(ModelFamily.LONGFORMER, vocabSize, 32, 3, 4, 64, 4098, 1, 1e-5, 1, 0, 2,
                new int[] {16, 32, 16});
    }

    /** allenai/longformer-base-4096's shapes. */
    public static ModelConfig baseConfig() {
        int[] windows = new int[12];
        java.util.Arrays.fill(windows, 512);
        return new ModelConfig(ModelFamily.LONGFORMER, 50265, 768, 12, 12, 3072, 4098, 1, 1e-5, 1, 0, 2, windows);
    }

    public static Map<String, FloatTensor> weights(ModelConfig cfg, long seed, double std) {
        SplittableRandom rnd = new SplittableRandom(seed);
        Map<String, FloatTensor> out = new LinkedHashMap<>();
        Checkpoint.expectedShapes(cfg).forEach((name, shape) -> {
            int n = 1;
            for (int d : shape) {
                n *= d;
            }
            float[] data = new float[n];
            boolean lnWeight = name.endsWith("LayerNorm.weight");
            boolean bias = name.endsWith(".bias");
            double s = bias ? std * 0.5 : std;
            for (int i = 0; i < n; i++) {
                data[i] = (float) ((lnWeight ? 1.0 : 0.0) + gaussian(rnd) * s);
            }
            out.put(name, new FloatTensor(shape, data));
        });
        return out;
    }

    private static double gaussian(SplittableRandom rnd) {
        double u = 1.0 - rnd.nextDouble();
        double v = rnd.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }
}
