package dev.kembed.model.arch;

import dev.kembed.model.checkpoint.FloatTensor;
import dev.kembed.model.onnx.GraphOptions;
import dev.kembed.model.onnx.OnnxGraph;
import dev.kembed.model.onnx.OnnxGraph.Attr;
import java.util.HashMap;
import java.util.Map;

/**
 * One graph being built: the padded inputs and masks the frame made, and the blocks every
 * architecture's layers are written with (linear layers, norms, activations, full and banded
 * attention). Blocks use standard operators only, so ONNX Runtime and TensorRT take the same file.
 *
 * <p>Banded attention is computed as blocks of w queries against the concatenation of the previous,
 * own and next key blocks (3w keys) with a band mask: never an L×L score matrix, and only
 * Reshape/Pad/Slice/Concat/MatMul. Full attention scores {@link GraphOptions#queryBlock()} query rows
 * at a time, so no {@code [B, heads, L, L]} tensor exists.
 */
public final class EncoderGraph {
    /** Added to masked scores; exp() of it underflows to exactly 0 in float32. */
    private static final float MASKED = -1e9f;
    /** The same for TensorRT graphs, which may run in fp16: -1e9 would be -inf there, and 0 * inf = NaN. */
    private static final float MASKED_FP16_SAFE = -1e4f;
    static final long END = Long.MAX_VALUE;

    private final OnnxGraph g;
    private final Checkpoint ckpt;
    private final ModelConfig cfg;
    private final GraphOptions opts;
    private final Masks masks;
    private String padKeyBias;
    /** Positions 0, 1, 2, ... of the padded sequence, made once for the causal masks. */
    private String positions;
    private final Map<Integer, String> bandBias = new HashMap<>();

    /**
     * The padded inputs and the masks derived from them.
     *
     * @param idsP          input ids padded to a multiple of every window [B, Lp]
     * @param amP           attention mask, padded [B, Lp]
     * @param hostPositions position ids given as an input (TensorRT graphs), padded, or null to count them in the graph
     * @param amF           1 = real token, float [B, Lp]
     * @param isGlobalF     1 = global token, float [B, Lp], or null without global attention
     * @param localKeyF     real and not global, float [B, Lp]: what a band may attend to
     * @param queryValid    amF as [B, Lp, 1]
     */
    record Masks(String idsP, String amP, String hostPositions, String amF, String isGlobalF, String localKeyF, String queryValid) {}

    EncoderGraph(OnnxGraph g, Checkpoint ckpt, GraphOptions opts, Masks masks) {
        this.g = g;
        this.ckpt = ckpt;
        this.cfg = ckpt.config();
        this.opts = opts;
        this.masks = masks;
    }

    public OnnxGraph g() {
        return g;
    }

    public ModelConfig cfg() {
        return cfg;
    }

    public GraphOptions opts() {
        return opts;
    }

    Checkpoint checkpoint() {
        return ckpt;
    }

    Masks masks() {
        return masks;
    }

    /** [B,1,1,Lp] additive bias that hides pad keys: what full attention and global rows use. */
    String padKeyBias() {
        if (padKeyBias == null) {
            padKeyBias = maskBias(g.op("Unsqueeze", masks.amF(), g.ints64(1, 2)));
        }
        return padKeyBias;
    }

    /** The band bias of one-sided window {@code w}, made once per build. */
    String bandBias(int w) {
        return bandBias.computeIfAbsent(w, this::makeBandBias);
    }

    /** The padded length of a static graph. */
    int paddedLength() {
        int m = cfg.padMultiple();
        return (opts.staticLength() + m - 1) / m * m;
    }

    /** 0, 1, 2, ... along the sequence, as floats: a constant when the length is static. */
    String positionsF(String likeBL) {
        if (opts.staticLength() > 0) {
            float[] range = new float[paddedLength()];
            for (int i = 0; i < range.length; i++) {
                range[i] = i;
            }
            return g.floats("positions", range, range.length);
        }
        String ones = g.op("Add", g.op("Mul", likeBL, g.scalarFloat(0f)), g.scalarFloat(1f));
        return g.op("Sub", g.op("CumSum", ones, g.scalarInt32(1)), g.scalarFloat(1f));
    }

    /** (allowed - 1) * 1e9: 0 where allowed, -1e9 where masked. */
    String maskBias(String allowed) {
        return g.op("Mul", g.op("Sub", allowed, g.scalarFloat(1f)), g.scalarFloat(-(opts.tensorRt8() ? MASKED_FP16_SAFE : MASKED)));
    }

    /** [B,1,nb,w,3w] additive bias: band |i-j| <= w, key is a real non-global token inside the sequence. */
    private String makeBandBias(int w) {
        String padded = g.op("Pad", masks.localKeyF(), g.ints64(0, w, 0, w), g.scalarFloat(0f)); // [B, Lp+2w]
        String prev = blocks(g.op("Slice", padded, g.ints64(0), g.ints64(-2L * w), g.ints64(1)), w);
        String own = blocks(g.op("Slice", padded, g.ints64(w), g.ints64(-w), g.ints64(1)), w);
        String next = blocks(g.op("Slice", padded, g.ints64(2L * w), g.ints64(END), g.ints64(1)), w);
        String keys = g.op("Concat", new Attr[] {Attr.i("axis", 2)}, prev, own, next); // [B, nb, 3w]
        String keys5 = g.op("Unsqueeze", keys, g.ints64(1, 3)); // [B,1,nb,1,3w]
        float[] band = new float[w * 3 * w];
        for (int a = 0; a < w; a++) {
            for (int c = 0; c < 3 * w; c++) {
                band[a * 3 * w + c] = Math.abs((c - w) - a) <= w ? 1f : 0f;
            }
        }
        String bandT = g.floats("band_w" + w, band, w, 3L * w);
        return maskBias(g.op("Mul", keys5, bandT));
    }

    /** [B, n*w] -> [B, n, w]. */
    private String blocks(String x, int w) {
        return g.op("Reshape", x, g.ints64(0, -1, w));
    }

    /** Band attention without global tokens: blocks of w queries against their 3w neighbouring keys. [B,h,Lp,d] */
    String bandAttention(String q, String k, String v, int w) {
        int d = cfg.headDim();
        String probs = g.op("Softmax", new Attr[] {Attr.i("axis", -1)}, bandScores(q, k, w));
        return g.op("Reshape", g.op("MatMul", probs, keyBlocks(v, w, d)), g.ints64(0, 0, -1, d));
    }

    /** Scores of blocks of w queries against their 3w neighbouring keys, band bias added: [B,h,nb,w,3w]. */
    String bandScores(String q, String k, int w) {
        int d = cfg.headDim();
        String qb = g.op("Reshape", q, g.ints64(0, 0, -1, w, d)); // [B,h,nb,w,d]
        String kb = keyBlocks(k, w, d); // [B,h,nb,3w,d]
        return g.op("Add", g.op("MatMul", qb, g.op("Transpose", new Attr[] {Attr.ints("perm", 0, 1, 2, 4, 3)}, kb)), bandBias(w));
    }

    /** [B,h,Lp,d] -> [B,h,nb,3w,d]: each block's previous, own and next w keys. */
    String keyBlocks(String k, int w, int d) {
        String padded = g.op("Pad", k, g.ints64(0, 0, w, 0, 0, 0, w, 0), g.scalarFloat(0f));
        String prev = g.op("Slice", padded, g.ints64(0), g.ints64(-2L * w), g.ints64(2));
        String own = g.op("Slice", padded, g.ints64(w), g.ints64(-w), g.ints64(2));
        String next = g.op("Slice", padded, g.ints64(2L * w), g.ints64(END), g.ints64(2));
        return g.op("Concat", new Attr[] {Attr.i("axis", 3)},
                g.op("Reshape", prev, g.ints64(0, 0, -1, w, d)),
                g.op("Reshape", own, g.ints64(0, 0, -1, w, d)),
                g.op("Reshape", next, g.ints64(0, 0, -1, w, d)));
    }

    /**
     * Full attention: every query against every real key of its sequence, {@code queryBlock} query
     * rows at a time (a static graph has exactly the blocks its length needs; a dynamic one as many
     * as the model's longest window may need, the ones past the sequence empty).
     */
    String fullAttention(String q, String k, String v) {
        return fullAttention(q, k, v, null);
    }

    /** @param scoreBias null, or [1 or B, h, Lp, Lp] added to the scores (MPNet's relative positions) */
    String fullAttention(String q, String k, String v, String scoreBias) {
        return fullAttention(q, k, v, scoreBias, false);
    }

    /**
     * Causal attention (decoders): each query sees the keys at or before its own position. The mask
     * is made per query block from position vectors, so no [Lp, Lp] table exists (at Qwen3's 32,768
     * tokens a float table would be 4 GB).
     */
    String causalAttention(String q, String k, String v) {
        return fullAttention(q, k, v, null, true);
    }

    private String fullAttention(String q, String k, String v, String scoreBias, boolean causal) {
        String keyBias = padKeyBias();
        String kT = g.op("Transpose", new Attr[] {Attr.ints("perm", 0, 1, 3, 2)}, k);
        long rows = opts.staticLength() > 0 ? paddedLength() : cfg.maxTokens();
        int block = opts.queryBlock();
        int blocks = (int) ((rows + block - 1) / block);
        if (blocks <= 1) {
            String bias = causal ? causalBias(null, null) : scoreBias;
            return g.op("MatMul", g.op("Softmax", new Attr[] {Attr.i("axis", -1)}, scores(g.op("MatMul", q, kT), keyBias, bias)), v);
        }
        String[] parts = new String[blocks];
        for (int i = 0; i < blocks; i++) {
            String from = g.ints64((long) i * block);
            String to = g.ints64((long) (i + 1) * block);
            String qi = g.op("Slice", q, from, to, g.ints64(2));
            String bias = causal ? causalBias(from, to) : scoreBias == null ? null : g.op("Slice", scoreBias, from, to, g.ints64(2));
            parts[i] = g.op("MatMul", g.op("Softmax", new Attr[] {Attr.i("axis", -1)}, scores(g.op("MatMul", qi, kT), keyBias, bias)), v);
        }
        return g.op("Concat", new Attr[] {Attr.i("axis", 2)}, parts); // [B,h,Lp,d]
    }

    /**
     * The causal bias of the query rows [from, to) (null: all rows) against every key: 0 where the
     * key's position is at most the query's, masked after; [n, Lp] for a static graph, [B, 1, n, Lp]
     * for a dynamic one.
     */
    private String causalBias(String from, String to) {
        if (positions == null) {
            positions = positionsF(masks.amF()); // [Lp] constant (static) or [B, Lp]
        }
        String queries = from == null ? positions : g.op("Slice", positions, from, to, g.ints64(-1));
        String later = g.op("Greater", g.op("Unsqueeze", positions, g.ints64(-2)), g.op("Unsqueeze", queries, g.ints64(-1)));
        String bias = maskBias(g.op("Cast", new Attr[] {Attr.i("to", OnnxGraph.FLOAT)}, g.op("Not", later)));
        return opts.staticLength() > 0 ? bias : g.op("Unsqueeze", bias, g.ints64(1));
    }

    private String scores(String qk, String keyBias, String scoreBias) {
        String s = scoreBias == null ? qk : g.op("Add", qk, scoreBias);
        return g.op("Add", s, keyBias);
    }

    /** The longest sequence a graph holds: its padded length, or the model's limit for a dynamic one. */
    int longestSequence() {
        return opts.staticLength() > 0 ? paddedLength() : cfg.maxTokens() + cfg.padMultiple();
    }

    /**
     * A [L, L] table computed on the host (longestSequence() rows and columns), cut to this batch's
     * padded length [Lp, Lp] when the length is dynamic.
     */
    String squareTable(String name, float[] table) {
        int n = longestSequence();
        String t = g.floats(name, table, n, n);
        if (opts.staticLength() > 0) {
            return t;
        }
        String lp = g.op("Shape", new Attr[] {Attr.i("start", 1), Attr.i("end", 2)}, masks.idsP()); // [1] = Lp
        return g.op("Slice", t, g.ints64(0, 0), g.op("Concat", new Attr[] {Attr.i("axis", 0)}, lp, lp), g.ints64(0, 1));
    }

    /** [B, n, H] -> [B, heads, n, d]. */
    String heads(String x) {
        return g.op("Transpose", new Attr[] {Attr.ints("perm", 0, 2, 1, 3)}, splitHeads(x, cfg.numHeads()));
    }

    /** [B, n, count·d] -> [B, n, count, d]. */
    String splitHeads(String x, int count) {
        return g.op("Reshape", x, g.ints64(0, 0, count, cfg.headDim()));
    }

    /** [B,h,Lp,d] -> [B,Lp,h·d]. */
    String mergeHeads(String ctx) {
        return g.op("Reshape", g.op("Transpose", new Attr[] {Attr.ints("perm", 0, 2, 1, 3)}, ctx),
                g.ints64(0, 0, (long) cfg.numHeads() * cfg.headDim()));
    }

    /** RMSNorm over the last axis, as transformers computes it: x / sqrt(mean(x²) + eps) · weight. */
    String rmsNorm(String x, String prefix) {
        String meanSquare = g.op("ReduceMean", new Attr[] {Attr.ints("axes", -1), Attr.i("keepdims", 1)}, g.op("Mul", x, x));
        String normed = g.op("Div", x, g.op("Sqrt", g.op("Add", meanSquare, g.scalarFloat((float) cfg.layerNormEps()))));
        return g.op("Mul", normed, weight(prefix + ".weight"));
    }

    /** q, k, v of a fused {@code Wqkv} [3H, H], split at build time; q carries the 1/sqrt(d) scale. Each [B,h,Lp,d]. */
    String[] fusedQkv(String x, String prefix) {
        int h = cfg.hiddenSize();
        float scale = (float) (1.0 / Math.sqrt(cfg.headDim()));
        FloatTensor w = ckpt.tensor(prefix + ".weight");
        FloatTensor b = ckpt.weights().get(prefix + ".bias");
        String[] out = new String[3];
        for (int part = 0; part < 3; part++) {
            FloatTensor wt = w.rows(part * h, (part + 1) * h).transpose2d();
            float[] bias = b == null ? new float[h] : b.rows(part * h, (part + 1) * h).data();
            if (part == 0) {
                wt = wt.scaled(scale);
                bias = new FloatTensor(new int[] {h}, bias).scaled(scale).data();
            }
            out[part] = heads(opts.linear().append(g, x, prefix + "." + "qkv".charAt(part), wt.data(), wt.longShape(), bias));
        }
        return out;
    }

    /** x · Wᵀ + b (HF Linear), optionally with a scale folded into W and b, in the options' linear format. */
    String linear(String x, String prefix, float scale) {
        FloatTensor wt = ckpt.tensor(prefix + ".weight").transpose2d();
        FloatTensor bias = ckpt.weights().get(prefix + ".bias"); // ModernBERT and NomicBERT may have none
        if (bias == null) {
            bias = new FloatTensor(new int[] {wt.dim(1)}, new float[wt.dim(1)]);
        }
        if (scale != 1f) {
            wt = wt.scaled(scale);
            bias = bias.scaled(scale);
        }
        return opts.linear().append(g, x, prefix, wt.data(), wt.longShape(), bias.data());
    }

    String layerNorm(String x, String prefix) {
        boolean bias = ckpt.weights().containsKey(prefix + ".bias"); // ModernBERT's norms may have none
        if (!opts.tensorRt8()) {
            return bias ? g.op("LayerNormalization", new Attr[] {Attr.i("axis", -1), Attr.f("epsilon", (float) cfg.layerNormEps())},
                    x, weight(prefix + ".weight"), weight(prefix + ".bias"))
                    : g.op("LayerNormalization", new Attr[] {Attr.i("axis", -1), Attr.f("epsilon", (float) cfg.layerNormEps())},
                    x, weight(prefix + ".weight"));
        }
        // TensorRT 8 has no LayerNormalization. Written out, and safe in fp16: each deviation is
        // scaled by 1/sqrt(H) before it is squared, so the sum of squares is the variance itself
        // and stays far inside fp16's 65504 unless a row's std exceeds 256; squaring first and then
        // averaging overflows as soon as one |x - mean| passes 256 (NVIDIA/TensorRT #2564, #3101).
        String centered = g.op("Sub", x, g.op("ReduceMean", new Attr[] {Attr.ints("axes", -1), Attr.i("keepdims", 1)}, x));
        String scaled = g.op("Mul", centered, g.scalarFloat((float) (1.0 / Math.sqrt(cfg.hiddenSize()))));
        String variance = g.op("ReduceSum", new Attr[] {Attr.i("keepdims", 1)}, g.op("Mul", scaled, scaled), g.ints64(-1));
        String std = g.op("Sqrt", g.op("Add", variance, g.scalarFloat((float) cfg.layerNormEps())));
        String scaledByWeight = g.op("Mul", g.op("Div", centered, std), weight(prefix + ".weight"));
        return bias ? g.op("Add", scaledByWeight, weight(prefix + ".bias")) : scaledByWeight; // no bias add where the model has none
    }

    /** Exact (erf) GELU, as HF's "gelu". */
    String gelu(String x) {
        // written as torch exports it, x · (1 + erf(x / √2)) · 0.5: ONNX Runtime's optimizer fuses exactly this
        // pattern with the bias add before it into one BiasGelu kernel (other orders stay five passes over [B, L, I])
        String erf = g.op("Erf", g.op("Div", x, g.scalarFloat((float) Math.sqrt(2.0))));
        return g.op("Mul", g.op("Mul", x, g.op("Add", erf, g.scalarFloat(1f))), g.scalarFloat(0.5f));
    }

    /** x · sigmoid(x), as torch's silu. */
    String silu(String x) {
        return g.op("Mul", x, g.op("Sigmoid", x));
    }

    /** A checkpoint tensor as a graph constant under its own name. */
    String weight(String name) {
        FloatTensor t = ckpt.tensor(name);
        return g.floats(name, t.data(), t.longShape());
    }

    /** Row 0 of the token-type table, the one every window uses (kembed never sends a second segment). */
    String tokenType0() {
        float[] type0 = ckpt.tensor("embeddings.token_type_embeddings.weight").row(0);
        return g.floats("token_type_0", type0, type0.length);
    }
}
