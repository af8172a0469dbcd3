package dev.kembed.model.onnx;

import dev.kembed.model.checkpoint.Checkpoint;
import dev.kembed.model.checkpoint.FloatTensor;
import dev.kembed.model.checkpoint.ModelConfig;
import dev.kembed.model.checkpoint.ModelFamily;

import static dev.kembed.model.onnx.OnnxGraph.Attr;

import java.util.HashMap;
import java.util.Map;

/**
 * Builds the encoder as an opset-17 ONNX graph from standard operators only, so ONNX Runtime and
 * TensorRT take the same file.
 *
 * <p>Sliding-window attention is computed as blocks of w queries against the concatenation of the
 * previous, own and next key blocks (3w keys) with a band mask: never an L×L score matrix, and
 * only Reshape/Pad/Slice/Concat/MatMul. Global tokens are gathered into G slots with TopK and
 * one-hot MatMuls (no Scatter/NonZero), then handled as in HF {@code LongformerSelfAttention}:
 * extra key columns for every query, and their own rows recomputed with the *_global projections.
 *
 * <p>Layers whose window is 0 (XLM-RoBERTa's every layer) attend to every real key: their queries
 * are scored in blocks of {@link GraphOptions#queryBlock()} rows, so no {@code [B, heads, L, L]}
 * tensor exists.
 *
 * <p>Inputs (INT32, [B, L]): input_ids, attention_mask, global_attention_mask, pool_mask.
 * Outputs: last_hidden_state [B, L, H], cls [B, H], sum [B, H] (pool_mask-weighted), count [B].
 */
public final class LongformerGraphBuilder {
    /**
     * The version of the graph this builder writes. Raise it with any change that can change a
     * graph's outputs: window identities ({@code WindowIdentity}) and the TensorRT cache key carry
     * it, so results stored or compiled by an older build are never reused.
     */
    public static final int FORMAT_VERSION = 1;
    /** Added to masked scores; exp() of it underflows to exactly 0 in float32. */
    private static final float MASKED = -1e9f;
    /** The same for TensorRT graphs, which may run in fp16: -1e9 would be -inf there, and 0 * inf = NaN. */
    private static final float MASKED_FP16_SAFE = -1e4f;
    private static final long END = Long.MAX_VALUE;

    private final Checkpoint ckpt;
    private final ModelConfig cfg;
    private final GraphOptions opts;
    private final boolean global;
    private OnnxGraph g;

    public LongformerGraphBuilder(Checkpoint ckpt, GraphOptions opts) {
        this.ckpt = ckpt;
        this.cfg = ckpt.config();
        this.opts = opts;
        this.global = opts.globalAttention() && cfg.family().globalProjections();
        if (opts.globalSlots() > 0 && opts.staticLength() > 0 && opts.globalSlots() > opts.staticLength()) {
            throw new IllegalArgumentException("global slots " + opts.globalSlots() + " exceed the static length " + opts.staticLength());
        }
        if (opts.staticLength() > cfg.maxTokens()) {
            throw new IllegalArgumentException("static length " + opts.staticLength() + " exceeds the model's "
                    + cfg.maxTokens() + " positions");
        }
    }

    public boolean hasGlobalAttention() {
        return global;
    }

    public OnnxGraph build() {
        g = new OnnxGraph("kembed_" + cfg.family().name().toLowerCase());
        Object b = opts.staticBatch() > 0 ? (Object) (long) opts.staticBatch() : "batch";
        Object l = opts.staticLength() > 0 ? (Object) (long) opts.staticLength() : "length";
        String ids = g.input("input_ids", OnnxGraph.INT32, b, l);
        String am = g.input("attention_mask", OnnxGraph.INT32, b, l);
        String gm = g.input("global_attention_mask", OnnxGraph.INT32, b, l);
        String pm = g.input("pool_mask", OnnxGraph.INT32, b, l);
        // TensorRT graphs take HF's position ids from the host: counting them in the graph needs a
        // CumSum that TensorRT 8 runs only on floats, which fp16 cannot count past 2048 exactly
        String positionIds = opts.tensorRt8() ? g.input("position_ids", OnnxGraph.INT32, b, l) : null;
        String chunkSlot = opts.chunkSlots() > 0 ? g.input("chunk_slot", OnnxGraph.INT32, b, l) : null;

        // Right-pad to a multiple of every layer's window, as HF's _pad_to_window_size does.
        long m = cfg.padMultiple();
        String len;
        String pads;
        if (opts.staticLength() > 0) { // known now: no Shape/Mod at run time (TensorRT 8 has no Mod)
            len = g.ints64(opts.staticLength());
            pads = g.ints64(0, 0, 0, (m - opts.staticLength() % m) % m);
        } else {
            len = g.op("Gather", new Attr[] {Attr.i("axis", 0)}, g.op("Shape", ids), g.ints64(1)); // [1]
            String padLen = g.op("Mod", g.op("Sub", g.ints64(m), g.op("Mod", len, g.ints64(m))), g.ints64(m));
            pads = g.op("Concat", new Attr[] {Attr.i("axis", 0)}, g.ints64(0, 0, 0), padLen);
        }
        String idsP = g.op("Pad", ids, pads, g.scalarInt32(cfg.padTokenId()));
        String amP = g.op("Pad", am, pads, g.scalarInt32(0));
        String gmP = g.op("Pad", gm, pads, g.scalarInt32(0));

        String x = switch (cfg.family()) {
            case MODERNBERT -> layerNorm(g.op("Gather", weight("embeddings.tok_embeddings.weight"), idsP), "embeddings.norm");
            case NOMIC_BERT -> {
                float[] type0 = ckpt.tensor("embeddings.token_type_embeddings.weight").row(0);
                yield layerNorm(g.op("Add", g.op("Gather", weight("embeddings.word_embeddings.weight"), idsP),
                        g.floats("token_type_0", type0, type0.length)), "emb_ln");
            }
            default -> embeddings(idsP, positionIds == null ? null : g.op("Pad", positionIds, pads, g.scalarInt32(cfg.padTokenId())));
        };
        Rotary rotary = cfg.rope().rotary() ? new Rotary(idsP, amP) : null;

        // HF merges the masks: attention_mask * (global_attention_mask + 1) -> 0 pad, 1 local, 2 global.
        String amF = g.op("Cast", new Attr[] {Attr.i("to", OnnxGraph.FLOAT)}, amP); // [B, Lp] 1 = real token
        String isGlobalF = global ? g.op("Cast", new Attr[] {Attr.i("to", OnnxGraph.FLOAT)}, g.op("Mul", amP, gmP)) : null;
        String localKeyF = global ? g.op("Sub", amF, isGlobalF) : amF; // real and not global
        String queryValid = g.op("Unsqueeze", amF, g.ints64(-1)); // [B, Lp, 1]

        GlobalSlots slots = global ? globalSlots(isGlobalF) : null;
        boolean anyFull = java.util.Arrays.stream(cfg.attentionWindow()).anyMatch(w -> w == 0);
        String padKeyBias = global || anyFull ? maskBias(g.op("Unsqueeze", amF, g.ints64(1, 2))) : null; // [B,1,1,Lp]

        Map<Integer, String> bandBias = new HashMap<>();
        for (int layer = 0; layer < cfg.numLayers(); layer++) {
            int w = cfg.attentionWindow()[layer] / 2;
            String bias = w == 0 ? null : bandBias.computeIfAbsent(w, ww -> bandBias(localKeyF, ww));
            x = switch (cfg.family()) {
                case MODERNBERT -> modernBertLayer(layer, x, w, bias, padKeyBias, rotary);
                case NOMIC_BERT -> nomicBertLayer(layer, x, padKeyBias, rotary);
                default -> layer(layer, x, w, bias, queryValid, slots, padKeyBias, isGlobalF);
            };
        }
        if (cfg.family() == ModelFamily.MODERNBERT) {
            x = layerNorm(x, "final_norm");
        }

        // Drop the window padding again, then pool inside the graph so a [L, H] tensor need not cross back.
        String hidden = g.op("Slice", x, g.ints64(0), len, g.ints64(1));
        g.output(hidden, "last_hidden_state", OnnxGraph.FLOAT, b, l, (long) cfg.hiddenSize());
        String cls = g.op("Gather", new Attr[] {Attr.i("axis", 1)}, hidden, g.scalarInt64(0));
        g.output(cls, "cls", OnnxGraph.FLOAT, b, (long) cfg.hiddenSize());
        String pmF = g.op("Cast", new Attr[] {Attr.i("to", OnnxGraph.FLOAT)}, pm);
        String sum = g.op("Squeeze", g.op("MatMul", g.op("Unsqueeze", pmF, g.ints64(1)), hidden), g.ints64(1));
        g.output(sum, "sum", OnnxGraph.FLOAT, b, (long) cfg.hiddenSize());
        String count = g.op("ReduceSum", new Attr[] {Attr.i("keepdims", 0)}, pmF, g.ints64(1));
        g.output(count, "count", OnnxGraph.FLOAT, b);
        if (chunkSlot != null) {
            chunkPooling(chunkSlot, hidden, b);
        }
        return g;
    }

    /**
     * Late chunking in the graph: a one-hot {@code [B, L, S]} of each token's chunk slot (floats:
     * TensorRT 8 compares floats, and slots are small integers, exact in float), transposed and
     * multiplied by the hidden states, gives {@code chunk_sum [B, S, H]}; its column sums give
     * {@code chunk_count [B, S]}. A token with slot -1 (special, or owned by another window) is in
     * no chunk. About {@code 2·L·S·H} FLOPs: 50 MFLOP for 4096 tokens, 17 slots, 384 wide.
     */
    private void chunkPooling(String chunkSlot, String hidden, Object b) {
        int s = opts.chunkSlots();
        float[] range = new float[s];
        for (int i = 0; i < s; i++) {
            range[i] = i;
        }
        String slotF = g.op("Cast", new Attr[] {Attr.i("to", OnnxGraph.FLOAT)}, chunkSlot);
        String eq = g.op("Equal", g.op("Unsqueeze", slotF, g.ints64(-1)), g.floats("chunk_slot_range", range, s));
        String oneHot = g.op("Cast", new Attr[] {Attr.i("to", OnnxGraph.FLOAT)}, eq); // [B, L, S]
        String byChunk = g.op("Transpose", new Attr[] {Attr.ints("perm", 0, 2, 1)}, oneHot); // [B, S, L]
        g.output(g.op("MatMul", byChunk, hidden), "chunk_sum", OnnxGraph.FLOAT, b, (long) s, (long) cfg.hiddenSize());
        g.output(g.op("ReduceSum", new Attr[] {Attr.i("keepdims", 0)}, oneHot, g.ints64(1)), "chunk_count", OnnxGraph.FLOAT, b, (long) s);
    }

    /** @param hostPositions position ids given as an input (TensorRT graphs), or null to count them here */
    private String embeddings(String idsP, String hostPositions) {
        String pos = hostPositions != null ? hostPositions : countedPositions(idsP);
        String word = g.op("Gather", weight("embeddings.word_embeddings.weight"), idsP);
        String position = g.op("Gather", weight("embeddings.position_embeddings.weight"), pos);
        float[] type0 = ckpt.tensor("embeddings.token_type_embeddings.weight").row(0);
        String sum = g.op("Add", g.op("Add", word, position), g.floats("token_type_0", type0, type0.length));
        return layerNorm(sum, "embeddings.LayerNorm");
    }

    /** HF's position ids, counted in float (exact below 2^24). */
    private String countedPositions(String idsP) {
        String posF;
        if (cfg.family().robertaPositions()) {
            // RoBERTa: cumsum(ids != pad) * (ids != pad) + pad
            String notPad = g.op("Cast", new Attr[] {Attr.i("to", OnnxGraph.FLOAT)},
                    g.op("Not", g.op("Equal", idsP, g.scalarInt32(cfg.padTokenId()))));
            String cum = g.op("CumSum", notPad, g.scalarInt32(1));
            posF = g.op("Add", g.op("Mul", cum, notPad), g.scalarFloat(cfg.padTokenId()));
        } else {
            posF = positionsF(g.op("Cast", new Attr[] {Attr.i("to", OnnxGraph.FLOAT)}, idsP));
        }
        return g.op("Cast", new Attr[] {Attr.i("to", OnnxGraph.INT32)}, posF);
    }

    /** Global token positions gathered into G slots; G = the most global tokens any sequence has. */
    private record GlobalSlots(String count, String oneHot, String oneHot4, String oneHotT, String bias, String isGlobal) {}

    private GlobalSlots globalSlots(String isGlobalF) {
        // score = global * 2^22 - position: globals first, in position order; exact in float32. The
        // TensorRT graph uses 2^13, which fp16 can hold: globals still rank first (> 0, the rest <= 0).
        String positions = positionsF(isGlobalF);
        String score = g.op("Sub", g.op("Mul", isGlobalF, g.scalarFloat(opts.tensorRt8() ? 8192f : 4194304f)), positions);
        String k;
        if (opts.globalSlots() > 0) {
            k = g.ints64(opts.globalSlots());
        } else {
            String perRow = g.op("ReduceSum", new Attr[] {Attr.i("keepdims", 0)}, isGlobalF, g.ints64(1));
            String most = g.op("ReduceMax", new Attr[] {Attr.i("keepdims", 1), Attr.ints("axes", 0)}, perRow);
            String mostI = g.op("Cast", new Attr[] {Attr.i("to", OnnxGraph.INT64)}, most);
            k = g.op("Max", mostI, g.ints64(1)); // at least one slot, masked when unused
        }
        String[] top = g.ops("TopK", 2, new Attr[] {Attr.i("axis", -1), Attr.i("largest", 1), Attr.i("sorted", 1)}, score, k);
        String validF = g.op("Cast", new Attr[] {Attr.i("to", OnnxGraph.FLOAT)}, g.op("Greater", top[0], g.scalarFloat(0f))); // [B,G]
        String slotPos = g.op("Unsqueeze", top[1], g.ints64(-1)); // [B,G,1] int64 (TensorRT: int32)
        String posI;
        if (opts.staticLength() > 0) { // a constant, so no float position has to be exact in fp16
            long[] range = new long[paddedLength()];
            for (int i = 0; i < range.length; i++) {
                range[i] = i;
            }
            posI = g.ints64(range);
        } else {
            posI = g.op("Unsqueeze", g.op("Cast", new Attr[] {Attr.i("to", OnnxGraph.INT64)}, positions), g.ints64(1)); // [B,1,Lp]
        }
        String hit = g.op("Cast", new Attr[] {Attr.i("to", OnnxGraph.FLOAT)}, g.op("Equal", slotPos, posI));
        String oneHot = g.op("Mul", hit, g.op("Unsqueeze", validF, g.ints64(-1))); // [B,G,Lp]
        String oneHot4 = g.op("Unsqueeze", oneHot, g.ints64(1)); // [B,1,G,Lp]
        String oneHotT = g.op("Transpose", new Attr[] {Attr.ints("perm", 0, 2, 1)}, oneHot); // [B,Lp,G]
        String bias = g.op("Unsqueeze", maskBias(validF), g.ints64(1, 2, 3)); // [B,1,1,1,G]
        String count = opts.globalSlots() > 0 ? k : g.op("Slice", g.op("Shape", top[1]), g.ints64(1), g.ints64(2)); // [1] = G
        String isGlobal = g.op("Unsqueeze", g.op("Cast", new Attr[] {Attr.i("to", OnnxGraph.BOOL)}, isGlobalF), g.ints64(-1));
        return new GlobalSlots(count, oneHot, oneHot4, oneHotT, bias, isGlobal);
    }

    private int paddedLength() {
        int m = cfg.padMultiple();
        return (opts.staticLength() + m - 1) / m * m;
    }

    /** 0, 1, 2, ... along the sequence, as floats: a constant when the length is static. */
    private String positionsF(String likeBL) {
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
    private String maskBias(String allowed) {
        return g.op("Mul", g.op("Sub", allowed, g.scalarFloat(1f)), g.scalarFloat(-(opts.tensorRt8() ? MASKED_FP16_SAFE : MASKED)));
    }

    /** [B,1,nb,w,3w] additive bias: band |i-j| <= w, key is a real non-global token inside the sequence. */
    private String bandBias(String localKeyF, int w) {
        String padded = g.op("Pad", localKeyF, g.ints64(0, w, 0, w), g.scalarFloat(0f)); // [B, Lp+2w]
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

    private String layer(int i, String x, int w, String bandBias, String queryValid, GlobalSlots slots,
            String padKeyBias, String isGlobalF) {
        String p = "encoder.layer." + i + ".";
        int h = cfg.numHeads();
        int d = cfg.headDim();
        float scale = (float) (1.0 / Math.sqrt(d));
        String q = heads(linear(x, p + "attention.self.query", scale)); // [B,h,Lp,d]
        String k = heads(linear(x, p + "attention.self.key", 1f));
        String v = heads(linear(x, p + "attention.self.value", 1f));
        if (w == 0) {
            return postNormBlock(p, x, fullAttention(q, k, v, padKeyBias), queryValid, null, null);
        }

        String qb = g.op("Reshape", q, g.ints64(0, 0, -1, w, d)); // [B,h,nb,w,d]
        String kb = keyBlocks(k, w, d); // [B,h,nb,3w,d]
        String vb = keyBlocks(v, w, d);
        String scores = g.op("Add", g.op("MatMul", qb, g.op("Transpose", new Attr[] {Attr.ints("perm", 0, 1, 2, 4, 3)}, kb)), bandBias);

        String ctx;
        if (slots == null) {
            String probs = g.op("Softmax", new Attr[] {Attr.i("axis", -1)}, scores);
            ctx = g.op("Reshape", g.op("MatMul", probs, vb), g.ints64(0, 0, -1, d));
        } else {
            String kg = g.op("MatMul", slots.oneHot4(), k); // [B,h,G,d]
            String vg = g.op("MatMul", slots.oneHot4(), v);
            String sg = g.op("MatMul", q, g.op("Transpose", new Attr[] {Attr.ints("perm", 0, 1, 3, 2)}, kg)); // [B,h,Lp,G]
            String sgb = g.op("Add", g.op("Reshape", sg, g.op("Concat", new Attr[] {Attr.i("axis", 0)}, g.ints64(0, 0, -1, w), slots.count())), slots.bias()); // [B,h,nb,w,G]
            String probs = g.op("Softmax", new Attr[] {Attr.i("axis", -1)}, g.op("Concat", new Attr[] {Attr.i("axis", -1)}, sgb, scores));
            String pg = g.op("Slice", probs, g.ints64(0), slots.count(), g.ints64(4));
            String pl = g.op("Slice", probs, slots.count(), g.ints64(END), g.ints64(4));
            String local = g.op("Reshape", g.op("MatMul", pl, vb), g.ints64(0, 0, -1, d));
            String fromGlobal = g.op("MatMul", g.op("Reshape", pg, g.op("Concat", new Attr[] {Attr.i("axis", 0)}, g.ints64(0, 0, -1), slots.count())), vg);
            ctx = g.op("Add", local, fromGlobal);
        }
        return postNormBlock(p, x, ctx, queryValid, slots == null ? null : slots.isGlobal(), slots == null ? null : globalRows(p, x, slots, padKeyBias));
    }

    /** Band attention without global tokens: blocks of w queries against their 3w neighbouring keys. [B,h,Lp,d] */
    private String bandAttention(String q, String k, String v, int w, String bandBias) {
        int d = cfg.headDim();
        String qb = g.op("Reshape", q, g.ints64(0, 0, -1, w, d));
        String scores = g.op("Add", g.op("MatMul", qb, g.op("Transpose", new Attr[] {Attr.ints("perm", 0, 1, 2, 4, 3)}, keyBlocks(k, w, d))), bandBias);
        String probs = g.op("Softmax", new Attr[] {Attr.i("axis", -1)}, scores);
        return g.op("Reshape", g.op("MatMul", probs, keyBlocks(v, w, d)), g.ints64(0, 0, -1, d));
    }

    /** [B,h,Lp,d] -> [B,Lp,H]. */
    private String mergeHeads(String ctx) {
        return g.op("Reshape", g.op("Transpose", new Attr[] {Attr.ints("perm", 0, 2, 1, 3)}, ctx), g.ints64(0, 0, cfg.hiddenSize()));
    }

    /** q, k, v of a fused {@code Wqkv} [3H, H], split at build time; q carries the 1/sqrt(d) scale. Each [B,h,Lp,d]. */
    private String[] fusedQkv(String x, String prefix) {
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

    /**
     * ModernBERT's pre-norm block: x + Wo(attention(attn_norm(x))) with RoPE on q and k (the
     * layer's own base: global or local), band attention in sliding layers, full in global ones;
     * then x + Wo(gelu(first half of Wi(mlp_norm(x))) * second half).
     */
    private String modernBertLayer(int i, String x, int w, String bandBias, String padKeyBias, Rotary rotary) {
        String p = "layers." + i + ".";
        String a = i == 0 ? x : layerNorm(x, p + "attn_norm");
        String[] qkv = fusedQkv(a, p + "attn.Wqkv");
        double theta = w == 0 ? cfg.rope().globalTheta() : cfg.rope().localTheta();
        String q = rotary.apply(qkv[0], theta);
        String k = rotary.apply(qkv[1], theta);
        String ctx = w == 0 ? fullAttention(q, k, qkv[2], padKeyBias) : bandAttention(q, k, qkv[2], w, bandBias);
        x = g.op("Add", x, linear(mergeHeads(ctx), p + "attn.Wo", 1f));
        String wi = linear(layerNorm(x, p + "mlp_norm"), p + "mlp.Wi", 1f);
        int in = cfg.intermediateSize();
        String input = g.op("Slice", wi, g.ints64(0), g.ints64(in), g.ints64(-1));
        String gate = g.op("Slice", wi, g.ints64(in), g.ints64(2L * in), g.ints64(-1));
        return g.op("Add", x, linear(g.op("Mul", gelu(input), gate), p + "mlp.Wo", 1f));
    }

    /** NomicBERT's post-norm block: norm1(x + out_proj(attention)) with RoPE, full attention; then norm2(x + fc2(fc11(x) * silu(fc12(x)))). */
    private String nomicBertLayer(int i, String x, String padKeyBias, Rotary rotary) {
        String p = "encoder.layers." + i + ".";
        String[] qkv = fusedQkv(x, p + "attn.Wqkv");
        double theta = cfg.rope().globalTheta();
        String ctx = fullAttention(rotary.apply(qkv[0], theta), rotary.apply(qkv[1], theta), qkv[2], padKeyBias);
        x = layerNorm(g.op("Add", x, linear(mergeHeads(ctx), p + "attn.out_proj", 1f)), p + "norm1");
        String up = linear(x, p + "mlp.fc11", 1f);
        String gate = linear(x, p + "mlp.fc12", 1f);
        String silu = g.op("Mul", gate, g.op("Sigmoid", gate));
        return layerNorm(g.op("Add", x, linear(g.op("Mul", up, silu), p + "mlp.fc2", 1f)), p + "norm2");
    }

    /**
     * Rotary position embeddings (rotate-half), positions 0, 1, 2, ... of the padded sequence. The
     * cos/sin tables are computed here in float32 as torch computes them and stored as constants:
     * never in fp16 (at position 8191 fp16 values are 8 apart), one pair per base.
     */
    private final class Rotary {
        private final Map<Double, String[]> tables = new HashMap<>();
        private final String rows;
        private final String idsP;
        private final String amP;

        Rotary(String idsP, String amP) {
            this.idsP = idsP;
            this.amP = amP;
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
            int length = opts.staticLength() > 0 ? paddedLength() : cfg.maxTokens() + cfg.padMultiple();
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
            String positions = g.op("Unsqueeze", positionsF(g.op("Cast", new Attr[] {Attr.i("to", OnnxGraph.FLOAT)}, idsP)), g.ints64(-1)); // [B,Lp,1]
            String angles = g.op("Mul", positions, g.op("Unsqueeze", inv, g.ints64(1))); // [B, Lp, d/2]
            String emb = g.op("Concat", new Attr[] {Attr.i("axis", -1)}, angles, angles);
            return new String[] {g.op("Unsqueeze", g.op("Cos", emb), g.ints64(1)), g.op("Unsqueeze", g.op("Sin", emb), g.ints64(1))};
        }
    }

    /**
     * Full attention: every query against every real key of its sequence, {@code queryBlock} query
     * rows at a time (a static graph has exactly the blocks its length needs; a dynamic one as many
     * as the model's longest window may need, the ones past the sequence empty).
     */
    private String fullAttention(String q, String k, String v, String keyBias) {
        String kT = g.op("Transpose", new Attr[] {Attr.ints("perm", 0, 1, 3, 2)}, k);
        long rows = opts.staticLength() > 0 ? paddedLength() : cfg.maxTokens();
        int block = opts.queryBlock();
        int blocks = (int) ((rows + block - 1) / block);
        if (blocks <= 1) {
            return g.op("MatMul", g.op("Softmax", new Attr[] {Attr.i("axis", -1)}, g.op("Add", g.op("MatMul", q, kT), keyBias)), v);
        }
        String[] parts = new String[blocks];
        for (int i = 0; i < blocks; i++) {
            String qi = g.op("Slice", q, g.ints64((long) i * block), g.ints64((long) (i + 1) * block), g.ints64(2));
            parts[i] = g.op("MatMul", g.op("Softmax", new Attr[] {Attr.i("axis", -1)}, g.op("Add", g.op("MatMul", qi, kT), keyBias)), v);
        }
        return g.op("Concat", new Attr[] {Attr.i("axis", 2)}, parts); // [B,h,Lp,d]
    }

    /** The BERT block after attention: merge heads (global rows over them), output projection, residual, LayerNorm, GELU FFN. */
    private String postNormBlock(String p, String x, String ctx, String queryValid, String isGlobal, String globalRowsOrNull) {
        int h = cfg.numHeads();
        int d = cfg.headDim();
        String merged = g.op("Reshape", g.op("Transpose", new Attr[] {Attr.ints("perm", 0, 2, 1, 3)}, ctx), g.ints64(0, 0, (long) h * d));
        if (globalRowsOrNull != null) {
            merged = g.op("Where", isGlobal, globalRowsOrNull, merged);
        }
        merged = g.op("Mul", merged, queryValid); // HF zeroes the attention output of pad queries
        String attnOut = layerNorm(g.op("Add", linear(merged, p + "attention.output.dense", 1f), x), p + "attention.output.LayerNorm");
        String inter = gelu(linear(attnOut, p + "intermediate.dense", 1f));
        return layerNorm(g.op("Add", linear(inter, p + "output.dense", 1f), attnOut), p + "output.LayerNorm");
    }

    /** Attention output for the global tokens' own rows, scattered back to [B, Lp, H] via one-hot. */
    private String globalRows(String p, String x, GlobalSlots slots, String padKeyBias) {
        int d = cfg.headDim();
        float scale = (float) (1.0 / Math.sqrt(d));
        String hg = g.op("MatMul", slots.oneHot(), x); // [B,G,H]
        String qg = heads(linear(hg, p + "attention.self.query_global", scale)); // [B,h,G,d]
        String kg = heads(linear(x, p + "attention.self.key_global", 1f)); // [B,h,Lp,d]
        String vg = heads(linear(x, p + "attention.self.value_global", 1f));
        String s = g.op("Add", g.op("MatMul", qg, g.op("Transpose", new Attr[] {Attr.ints("perm", 0, 1, 3, 2)}, kg)), padKeyBias);
        String o = g.op("MatMul", g.op("Softmax", new Attr[] {Attr.i("axis", -1)}, s), vg); // [B,h,G,d]
        String og = g.op("Reshape", g.op("Transpose", new Attr[] {Attr.ints("perm", 0, 2, 1, 3)}, o), g.ints64(0, 0, cfg.hiddenSize()));
        return g.op("MatMul", slots.oneHotT(), og); // [B,Lp,H]
    }

    private String keyBlocks(String k, int w, int d) {
        String padded = g.op("Pad", k, g.ints64(0, 0, w, 0, 0, 0, w, 0), g.scalarFloat(0f));
        String prev = g.op("Slice", padded, g.ints64(0), g.ints64(-2L * w), g.ints64(2));
        String own = g.op("Slice", padded, g.ints64(w), g.ints64(-w), g.ints64(2));
        String next = g.op("Slice", padded, g.ints64(2L * w), g.ints64(END), g.ints64(2));
        return g.op("Concat", new Attr[] {Attr.i("axis", 3)},
                g.op("Reshape", prev, g.ints64(0, 0, -1, w, d)),
                g.op("Reshape", own, g.ints64(0, 0, -1, w, d)),
                g.op("Reshape", next, g.ints64(0, 0, -1, w, d)));
    }

    /** [B, n, H] -> [B, heads, n, d]. */
    private String heads(String x) {
        String r = g.op("Reshape", x, g.ints64(0, 0, cfg.numHeads(), cfg.headDim()));
        return g.op("Transpose", new Attr[] {Attr.ints("perm", 0, 2, 1, 3)}, r);
    }

    /** x · Wᵀ + b (HF Linear), optionally with a scale folded into W and b, in the options' linear format. */
    private String linear(String x, String prefix, float scale) {
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

    private String layerNorm(String x, String prefix) {
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
    private String gelu(String x) {
        String erf = g.op("Erf", g.op("Mul", x, g.scalarFloat((float) (1.0 / Math.sqrt(2.0)))));
        return g.op("Mul", g.op("Mul", x, g.scalarFloat(0.5f)), g.op("Add", erf, g.scalarFloat(1f)));
    }

    private String weight(String name) {
        FloatTensor t = ckpt.tensor(name);
        return g.floats(name, t.data(), t.longShape());
    }
}
