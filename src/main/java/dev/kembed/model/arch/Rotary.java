package dev.kembed.model.arch;

import dev.kembed.model.onnx.GraphOptions;
import dev.kembed.model.onnx.OnnxGraph;
import dev.kembed.model.onnx.OnnxGraph.Attr;
import java.util.HashMap;
import java.util.Map;

/**
 * Rotary position embeddings (rotate-half), positions 0, 1, 2, ... of the padded sequence. The
 * cos/sin tables are computed here in float32 as torch computes them and stored as constants:
 * never in fp16 (at position 8191 fp16 values are 8 apart), one pair per base.
 */
final class Rotary {
    private final EncoderGraph e;
    private final OnnxGraph g;
    private final ModelConfig cfg;
    private final GraphOptions opts;
    private final Map<Double, String[]> tables = new HashMap<>();
    private final String rows;
    private final String idsP;
    private final String amP;

    Rotary(EncoderGraph e) {
        this.e = e;
        this.g = e.g();
        this.cfg = e.cfg();
        this.opts = e.opts();
        this.idsP = e.masks().idsP();
        this.amP = e.masks().amP();
        this.rows = opts.staticLength() > 0 ? null : g.op("Shape", new Attr[] {Attr.i("start", 1), Attr.i("end", 2)}, idsP); // [1] = Lp
    }

    String apply(String x, double theta) {
        String[] cs = tables.computeIfAbsent(theta, t -> cfg.rope().scalingFactor() > 0 ? ntkTable(t) : table(t));
        int half = cfg.headDim() / 2;
        String x1 = g.op("Slice", x, g.ints64(0), g.ints64(half), g.ints64(-1));
        String x2 = g.op("Slice", x, g.ints64(half), g.ints64(2L * half), g.ints64(-1));
        String rotated = g.op("Concat", new Attr[] {Attr.i("axis", -1)}, g.op("Neg", x2), x1);
        return g.op("Add", g.op("Mul", x, cs[0]), g.op("Mul", rotated, cs[1]));
    }

    /** cos and sin [Lp, d]: inv_freq = 1 / theta^(2i/d) in float32, angle = position * inv_freq in float32, cat(freqs, freqs). */
    private String[] table(double theta) {
        int d = cfg.headDim();
        int length = e.longestSequence();
        float[] inv = new float[d / 2];
        for (int i = 0; i < inv.length; i++) {
            float exponent = (float) (2 * i) / (float) d;
            inv[i] = 1.0f / (float) Math.pow((float) theta, exponent);
        }
        float[] cos = new float[length * d];
        float[] sin = new float[length * d];
        for (int t = 0; t < length; t++) {
            for (int i = 0; i < d; i++) {
                float angle = (float) t * inv[i % (d / 2)];
                cos[t * d + i] = (float) Math.cos(angle);
                sin[t * d + i] = (float) Math.sin(angle);
            }
        }
        String name = "rope_" + (long) theta;
        String c = g.floats(name + "_cos", cos, length, d);
        String s = g.floats(name + "_sin", sin, length, d);
        if (rows != null) { // a dynamic length: the table's first Lp rows
            c = g.op("Slice", c, g.ints64(0), rows, g.ints64(0));
            s = g.op("Slice", s, g.ints64(0), rows, g.ints64(0));
        }
        return new String[] {c, s};
    }

    /**
     * Dynamic NTK scaling (NomicBERT's {@code rotary_scaling_factor}), per window from its own
     * length L (its real tokens, never the padded length): past the trained length T the base
     * becomes theta * (f * L / T - (f - 1))^(d / (d - 2)). Computed in the graph in float32, as
     * torch does; cos and sin are [B, 1, Lp, d].
     */
    private String[] ntkTable(double theta) {
        int d = cfg.headDim();
        double f = cfg.rope().scalingFactor();
        String length = g.op("ReduceSum", new Attr[] {Attr.i("keepdims", 1)},
                g.op("Cast", new Attr[] {Attr.i("to", OnnxGraph.FLOAT)}, amP), g.ints64(1)); // [B, 1]
        String stretch = g.op("Sub", g.op("Div", g.op("Mul", length, g.scalarFloat((float) f)), g.scalarFloat(cfg.rope().maxTrainedPositions())),
                g.scalarFloat((float) (f - 1)));
        String base = g.op("Mul", g.scalarFloat((float) theta),
                g.op("Pow", g.op("Max", stretch, g.scalarFloat(1f)), g.scalarFloat((float) d / (float) (d - 2)))); // [B, 1]
        float[] exponents = new float[d / 2];
        for (int i = 0; i < exponents.length; i++) {
            exponents[i] = (float) (2 * i) / (float) d;
        }
        String inv = g.op("Div", g.scalarFloat(1f), g.op("Pow", base, g.floats("rope_exponents", exponents, 1, d / 2))); // [B, d/2]
        String positions = g.op("Unsqueeze", e.positionsF(g.op("Cast", new Attr[] {Attr.i("to", OnnxGraph.FLOAT)}, idsP)), g.ints64(-1)); // [B,Lp,1]
        String angles = g.op("Mul", positions, g.op("Unsqueeze", inv, g.ints64(1))); // [B, Lp, d/2]
        String emb = g.op("Concat", new Attr[] {Attr.i("axis", -1)}, angles, angles);
        return new String[] {g.op("Unsqueeze", g.op("Cos", emb), g.ints64(1)), g.op("Unsqueeze", g.op("Sin", emb), g.ints64(1))};
    }
}
