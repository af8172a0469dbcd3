package dev.kembed.model;

import dev.kembed.model.checkpoint.FloatTensor;
import dev.kembed.model.arch.ModelConfig;
import dev.kembed.model.arch.Architectures;

import java.util.Map;

/**
 * A deliberately simple Longformer/BERT forward pass in double precision, written straight from
 * HF {@code modeling_longformer.py}: dense attention over one unpadded sequence with the
 * band/global/pad mask spelled out per (query, key) pair. Slow, independent of the graph builder.
 */
final class NaiveLongformer {
    private final ModelConfig c;
    private final Map<String, FloatTensor> w;

    NaiveLongformer(ModelConfig c, Map<String, FloatTensor> weights) {
        this.c = c;
        this.w = weights;
    }

    /** Hidden states [L][H] for one sequence; attentionMask 0 marks padding. */
    double[][] forward(int[] ids, int[] attentionMask, int[] globalMask) {
        int n = ids.length;
        int hid = c.hiddenSize();
        double[][] x = new double[n][hid];
        int running = 0;
        for (int i = 0; i < n; i++) {
            int pos;
            if (c.family() == Architectures.LONGFORMER) {
                boolean real = ids[i] != c.padTokenId();
                running += real ? 1 : 0;
                pos = real ? running + c.padTokenId() : c.padTokenId();
            } else {
                pos = i;
            }
            for (int k = 0; k < hid; k++) {
                x[i][k] = at("embeddings.word_embeddings.weight", ids[i], k)
                        + at("embeddings.position_embeddings.weight", pos, k)
                        + at("embeddings.token_type_embeddings.weight", 0, k);
            }
            x[i] = layerNorm(x[i], "embeddings.LayerNorm");
        }
        for (int l = 0; l < c.numLayers(); l++) {
            x = layer(l, x, attentionMask, globalMask);
        }
        return x;
    }

    private double[][] layer(int l, double[][] x, int[] am, int[] gm) {
        String p = "encoder.layer." + l + ".";
        int n = x.length;
        int heads = c.numHeads();
        int d = c.headDim();
        int win = c.attentionWindow()[l] / 2;
        double scale = 1.0 / Math.sqrt(d);
        boolean hasGlobalWeights = c.family() == Architectures.LONGFORMER;
        double[][] q = linear(x, p + "attention.self.query");
        double[][] k = linear(x, p + "attention.self.key");
        double[][] v = linear(x, p + "attention.self.value");
        double[][] qg = hasGlobalWeights ? linear(x, p + "attention.self.query_global") : null;
        double[][] kg = hasGlobalWeights ? linear(x, p + "attention.self.key_global") : null;
        double[][] vg = hasGlobalWeights ? linear(x, p + "attention.self.value_global") : null;
        double[][] ctx = new double[n][c.hiddenSize()];
        for (int i = 0; i < n; i++) {
            if (am[i] == 0) {
                continue; // HF zeroes the attention output of padding queries
            }
            boolean iGlobal = hasGlobalWeights && gm != null && gm[i] != 0;
            for (int h = 0; h < heads; h++) {
                double[] scores = new double[n];
                boolean[] allowed = new boolean[n];
                for (int j = 0; j < n; j++) {
                    boolean jPad = am[j] == 0;
                    boolean jGlobal = hasGlobalWeights && gm != null && gm[j] != 0 && !jPad;
                    if (iGlobal) {
                        allowed[j] = !jPad; // global rows attend to every real token
                    } else {
                        allowed[j] = !jPad && (jGlobal || Math.abs(i - j) <= win);
                    }
                    if (!allowed[j]) {
                        continue;
                    }
                    double s = 0;
                    for (int t = 0; t < d; t++) {
                        int col = h * d + t;
                        s += iGlobal ? qg[i][col] * kg[j][col] : q[i][col] * k[j][col];
                    }
                    scores[j] = s * scale;
                }
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < n; j++) {
                    if (allowed[j]) {
                        max = Math.max(max, scores[j]);
                    }
                }
                double z = 0;
                for (int j = 0; j < n; j++) {
                    if (allowed[j]) {
                        scores[j] = Math.exp(scores[j] - max);
                        z += scores[j];
                    }
                }
                for (int j = 0; j < n; j++) {
                    if (!allowed[j]) {
                        continue;
                    }
                    double pj = scores[j] / z;
                    for (int t = 0; t < d; t++) {
                        int col = h * d + t;
                        ctx[i][col] += pj * (iGlobal ? vg[j][col] : v[j][col]);
                    }
                }
            }
        }
        double[][] attn = linear(ctx, p + "attention.output.dense");
        for (int i = 0; i < n; i++) {
            for (int t = 0; t < attn[i].length; t++) {
                attn[i][t] += x[i][t];
            }
            attn[i] = layerNorm(attn[i], p + "attention.output.LayerNorm");
        }
        double[][] inter = linear(attn, p + "intermediate.dense");
        for (double[] row : inter) {
            for (int t = 0; t < row.length; t++) {
                row[t] = 0.5 * row[t] * (1 + erf(row[t] / Math.sqrt(2)));
            }
        }
        double[][] out = linear(inter, p + "output.dense");
        for (int i = 0; i < n; i++) {
            for (int t = 0; t < out[i].length; t++) {
                out[i][t] += attn[i][t];
            }
            out[i] = layerNorm(out[i], p + "output.LayerNorm");
        }
        return out;
    }

    private double[][] linear(double[][] x, String prefix) {
        FloatTensor wt = w.get(prefix + ".weight");
        FloatTensor b = w.get(prefix + ".bias");
        int outDim = wt.dim(0);
        int inDim = wt.dim(1);
        double[][] y = new double[x.length][outDim];
        for (int i = 0; i < x.length; i++) {
            for (int o = 0; o < outDim; o++) {
                double s = b.data()[o];
                for (int t = 0; t < inDim; t++) {
                    s += x[i][t] * wt.data()[o * inDim + t];
                }
                y[i][o] = s;
            }
        }
        return y;
    }

    private double[] layerNorm(double[] v, String prefix) {
        double mean = 0;
        for (double a : v) {
            mean += a;
        }
        mean /= v.length;
        double var = 0;
        for (double a : v) {
            var += (a - mean) * (a - mean);
        }
        var /= v.length;
        double inv = 1.0 / Math.sqrt(var + c.layerNormEps());
        double[] out = new double[v.length];
        float[] g = w.get(prefix + ".weight").data();
        float[] b = w.get(prefix + ".bias").data();
        for (int i = 0; i < v.length; i++) {
            out[i] = (v[i] - mean) * inv * g[i] + b[i];
        }
        return out;
    }

    private double at(String name, int row, int col) {
        FloatTensor t = w.get(name);
        return t.data()[row * t.dim(1) + col];
    }

    /** erf via Abramowitz-Stegun 7.1.26 is too coarse (1e-7); use a series/continued fraction instead. */
    static double erf(double z) {
        double t = Math.abs(z);
        double r;
        if (t < 2.5) {
            // Maclaurin series, converges fast for |z| < 2.5
            double sum = 0;
            double term = t;
            int n = 0;
            while (Math.abs(term) > 1e-17 * Math.abs(sum) || n < 3) {
                sum += term / (2 * n + 1);
                n++;
                term = -term * t * t / n;
                if (n > 200) {
                    break;
                }
            }
            r = 2 / Math.sqrt(Math.PI) * sum;
        } else {
            // continued fraction for erfc
            double f = 0;
            for (int k = 60; k >= 1; k--) {
                f = k / 2.0 / (t + f);
            }
            r = 1 - Math.exp(-t * t) / Math.sqrt(Math.PI) / (t + f);
        }
        return z < 0 ? -r : r;
    }
}
