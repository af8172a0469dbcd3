package dev.kembed.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Runs one fixed set of windows on an engine under test and on a reference engine, per length
 * bucket, and compares the pooled outputs ({@code <s>} state and mean over the pooled tokens).
 * Per bucket: a full window without global attention, a shorter one (padding present) with global
 * attention on {@code <s>} when both engines have it, and a batch of both. The windows are seeded,
 * so two runs (and two machines) compare the same inputs.
 */
public final class EngineVerification {
    /** One bucket's worst case over its windows. */
    public record BucketReport(int length, int windows, double maxAbsDiff, double minCosine, String failure) {
        public boolean passed() {
            return failure == null;
        }
    }

    /** What passes: fp32 (and int8's reference check) by max abs difference, fp16/int8 by cosine. */
    public record Threshold(double maxAbsDiff, double minCosine) {
        public static Threshold forPrecision(Precision p) {
            return switch (p) {
                case FP32 -> new Threshold(1e-3, 0);
                case FP16 -> new Threshold(Double.POSITIVE_INFINITY, 0.999);
                case INT8 -> new Threshold(Double.POSITIVE_INFINITY, 0.99);
            };
        }
    }

    private EngineVerification() {}

    public static List<BucketReport> run(EmbeddingEngine tested, EmbeddingEngine reference, List<Integer> lengths, Threshold threshold) {
        EngineInfo info = tested.info();
        boolean global = info.globalAttention() && reference.info().globalAttention();
        List<BucketReport> reports = new ArrayList<>();
        SplittableRandom rnd = new SplittableRandom(20261129);
        for (int len : lengths) {
            List<EngineWindow> windows = List.of(window(info, len, false, rnd), window(info, Math.max(3, len / 2 + 1), global, rnd));
            List<WindowResult> got = new ArrayList<>();
            List<WindowResult> want = new ArrayList<>();
            for (EngineWindow w : windows) { // alone, then together (padding, and a batch of 2)
                got.add(tested.embed(WindowBatch.of(List.of(w))).windows().get(0));
                want.add(reference.embed(WindowBatch.of(List.of(w))).windows().get(0));
            }
            got.addAll(tested.embed(WindowBatch.of(windows)).windows());
            want.addAll(reference.embed(WindowBatch.of(windows)).windows());
            double maxAbs = 0;
            double minCos = 1;
            for (int i = 0; i < got.size(); i++) {
                for (float[][] pair : List.of(new float[][] {got.get(i).cls(), want.get(i).cls()},
                        new float[][] {mean(got.get(i)), mean(want.get(i))})) {
                    for (int c = 0; c < pair[0].length; c++) {
                        maxAbs = Math.max(maxAbs, Math.abs(pair[0][c] - pair[1][c]));
                    }
                    minCos = Math.min(minCos, cosine(pair[0], pair[1]));
                }
            }
            String failure = null;
            if (!(maxAbs <= threshold.maxAbsDiff())) {
                failure = String.format("max abs difference %.3g > %.3g", maxAbs, threshold.maxAbsDiff());
            } else if (!(minCos >= threshold.minCosine())) {
                failure = String.format("min cosine %.6f < %.6f", minCos, threshold.minCosine());
            }
            reports.add(new BucketReport(len, got.size(), maxAbs, minCos, failure));
        }
        return reports;
    }

    private static EngineWindow window(EngineInfo info, int length, boolean global, SplittableRandom rnd) {
        int[] ids = new int[length];
        int[] pool = new int[length];
        for (int t = 0; t < length; t++) {
            ids[t] = 4 + rnd.nextInt(Math.max(1, Math.min(info.vocabSize(), 30000) - 4));
            pool[t] = t > 0 && t < length - 1 ? 1 : 0;
        }
        ids[0] = info.bosTokenId() >= 0 ? info.bosTokenId() : ids[0]; // decoders start with content
        ids[length - 1] = info.eosTokenId();
        int[] globalMask = new int[length];
        globalMask[0] = global ? 1 : 0;
        return new EngineWindow(ids, globalMask, pool);
    }

    private static float[] mean(WindowResult r) {
        float[] m = r.sum().clone();
        for (int i = 0; i < m.length; i++) {
            m[i] /= Math.max(1f, r.count());
        }
        return m;
    }

    static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return na == 0 && nb == 0 ? 1 : dot / Math.sqrt(na * nb);
    }
}
