package dev.kembed.model.arch;

import dev.kembed.model.onnx.GraphOptions;
import dev.kembed.model.onnx.OnnxGraph;
import dev.kembed.model.onnx.OnnxGraph.Attr;

/**
 * Builds an encoder of any registered architecture as an opset-17 ONNX graph: the frame every
 * architecture shares (inputs, padding to the windows' multiple, masks, pooled outputs, late-chunk
 * pooling) around the embeddings and layers the checkpoint's {@link Architecture} writes.
 *
 * <p>Inputs (INT32, [B, L]): input_ids, attention_mask, global_attention_mask, pool_mask; TensorRT 8
 * graphs also position_ids, late-chunking graphs chunk_slot. Outputs: last_hidden_state [B, L, H],
 * cls [B, H], sum [B, H] (pool_mask-weighted), count [B]; with chunk slots chunk_sum [B, S, H] and
 * chunk_count [B, S].
 */
public final class EncoderGraphBuilder {
    private final Checkpoint ckpt;
    private final ModelConfig cfg;
    private final GraphOptions opts;
    private final boolean global;

    public EncoderGraphBuilder(Checkpoint ckpt, GraphOptions opts) {
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
        OnnxGraph g = new OnnxGraph("kembed_" + cfg.family().name());
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
        String positionsP = positionIds == null ? null : g.op("Pad", positionIds, pads, g.scalarInt32(cfg.padTokenId()));

        // HF merges the masks: attention_mask * (global_attention_mask + 1) -> 0 pad, 1 local, 2 global.
        String amF = g.op("Cast", new Attr[] {Attr.i("to", OnnxGraph.FLOAT)}, amP); // [B, Lp] 1 = real token
        String isGlobalF = global ? g.op("Cast", new Attr[] {Attr.i("to", OnnxGraph.FLOAT)}, g.op("Mul", amP, gmP)) : null;
        String localKeyF = global ? g.op("Sub", amF, isGlobalF) : amF; // real and not global
        String queryValid = g.op("Unsqueeze", amF, g.ints64(-1)); // [B, Lp, 1]
        EncoderGraph e = new EncoderGraph(g, ckpt, opts,
                new EncoderGraph.Masks(idsP, amP, positionsP, amF, isGlobalF, localKeyF, queryValid));

        EncoderLayers layers = cfg.family().layers(e);
        String x = layers.embeddings();
        for (int layer = 0; layer < cfg.numLayers(); layer++) {
            x = layers.layer(layer, x);
        }
        x = layers.finish(x);

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
            chunkPooling(g, chunkSlot, hidden, b);
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
    private void chunkPooling(OnnxGraph g, String chunkSlot, String hidden, Object b) {
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
}
