package dev.kembed.model.recipe;

import dev.kembed.model.checkpoint.Checkpoint;
import dev.kembed.model.checkpoint.FloatTensor;
import dev.kembed.model.checkpoint.ModelConfig;
import dev.kembed.model.checkpoint.ModelFamily;
import dev.kembed.model.checkpoint.RopeSettings;

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

    /** ModernBERT-base's shapes: 22 layers, 768 wide, GeGLU 1152, local window 128 with a global layer every 3, 8192 tokens. */
    public static ModelConfig modernBertBase() {
        int[] windows = new int[22];
        for (int i = 0; i < windows.length; i++) {
            windows[i] = i % 3 == 0 ? 0 : 128;
        }
        return new ModelConfig(ModelFamily.MODERNBERT, 50368, 768, 22, 12, 1152, 8192, 0, 1e-5, 1, 0, 2, windows,
                new RopeSettings(160_000, 10_000, false, false, false, 0, 0));
    }

    /** XLM-RoBERTa-large's shapes with bge-m3's 8192-token positions: 24 layers, 1024 wide, full attention (about 2.27 GB in fp32). */
    public static ModelConfig xlmRobertaLarge() {
        return new ModelConfig(ModelFamily.XLM_ROBERTA, 250_002, 1024, 24, 16, 4096, 8194, 1, 1e-5, 1, 0, 2, new int[24]);
    }

    /** nomic-embed-text's shapes: 12 layers, 768 wide, SwiGLU 3072, RoPE base 1000, 8192 tokens. */
    public static ModelConfig nomicBase() {
        return new ModelConfig(ModelFamily.NOMIC_BERT, 30_528, 768, 12, 12, 3072, 8192, 2, 1e-12, 1, 0, 2, new int[12],
                new RopeSettings(1000, 1000, false, false, true, 0, 2048));
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
            boolean lnWeight = shape.length == 1 && name.endsWith(".weight"); // every norm's scale, whatever the family calls it
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
