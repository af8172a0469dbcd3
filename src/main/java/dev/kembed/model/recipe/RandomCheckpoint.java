package dev.kembed.model.recipe;

import dev.kembed.model.arch.Architectures;
import dev.kembed.model.arch.Checkpoint;
import dev.kembed.model.arch.ModelConfig;
import dev.kembed.model.checkpoint.FloatTensor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Random weights for every tensor a config implies. Used for benchmarks (each architecture's presets
 * have a real model's shapes) and by tests; LayerNorm parameters are randomised too (around 1 and 0)
 * so that no parameter can hide a bug by being an identity.
 */
public final class RandomCheckpoint {
    private RandomCheckpoint() {}

    /** The tiny preset: small enough for unit tests, two different windows. */
    public static ModelConfig tinyConfig(int vocabSize) {
        return Architectures.preset("tiny").config().apply(vocabSize);
    }

    /** allenai/longformer-base-4096's shapes. */
    public static ModelConfig baseConfig() {
        return preset("base");
    }

    /** ModernBERT-base's shapes. */
    public static ModelConfig modernBertBase() {
        return preset("modernbert-base");
    }

    /** XLM-RoBERTa-large's shapes with bge-m3's 8192-token positions. */
    public static ModelConfig xlmRobertaLarge() {
        return preset("xlm-roberta-large");
    }

    /** nomic-embed-text's shapes. */
    public static ModelConfig nomicBase() {
        return preset("nomic-base");
    }

    private static ModelConfig preset(String name) {
        return Architectures.preset(name).config().apply(0);
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
