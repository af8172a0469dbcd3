package dev.kembed.model.arch;

import dev.kembed.model.checkpoint.CheckpointException;
import dev.kembed.model.onnx.OnnxGraph;
import dev.kembed.model.onnx.OnnxGraph.Attr;
import java.util.Arrays;
import java.util.List;

/**
 * Longformer: RoBERTa positions, banded attention with global tokens. Global tokens are gathered
 * into G slots with TopK and one-hot MatMuls (no Scatter/NonZero), then handled as in HF
 * {@code LongformerSelfAttention}: extra key columns for every query, and their own rows recomputed
 * with the {@code *_global} projections.
 */
final class Longformer extends BertStyle {
    @Override
    public String name() {
        return "longformer";
    }

    @Override
    public String modelType() {
        return "longformer";
    }

    @Override
    public String hfClass() {
        return "LongformerModel";
    }

    @Override
    Defaults defaults() {
        return new Defaults(1, 1e-5, 0, 2);
    }

    @Override
    int[] windowsWithoutAttentionWindow(ConfigJson json, int layers) {
        throw new CheckpointException(json.file() + ": attention_window is missing; a longformer checkpoint attends in the band it gives"
                + " (allenai/longformer-base-4096: 512 in every layer)");
    }

    @Override
    boolean writesAttentionWindow() {
        return true;
    }

    @Override
    public List<String> weightPrefixes() {
        return List.of("longformer.");
    }

    @Override
    public PositionIds positions() {
        return PositionIds.AFTER_PAD;
    }

    @Override
    public boolean globalProjections() {
        return true;
    }

    @Override
    public boolean clsSeesEverything() {
        return false;
    }

    @Override
    public List<Preset> presets() {
        int[] base = new int[12];
        Arrays.fill(base, 512);
        return List.of(
                new Preset("tiny", "small enough for unit tests, two different windows",
                        vocab -> new ModelConfig(this, vocab, 32, 3, 4, 64, 4098, 1, 1e-5, 1, 0, 2, new int[] {16, 32, 16}), 0.2),
                new Preset("base", "longformer-base-4096's shapes",
                        vocab -> new ModelConfig(this, 50265, 768, 12, 12, 3072, 4098, 1, 1e-5, 1, 0, 2, base.clone()), 0.02));
    }

    @Override
    public EncoderLayers layers(EncoderGraph e) {
        return e.masks().isGlobalF() == null ? new Layers(e, names()) : new GlobalLayers(e, names());
    }

    /** Global token positions gathered into G slots; G = the most global tokens any sequence has. */
    private record GlobalSlots(String count, String oneHot, String oneHot4, String oneHotT, String bias, String isGlobal) {}

    private static final class GlobalLayers extends Layers {
        private final GlobalSlots slots;

        GlobalLayers(EncoderGraph e, Names n) {
            super(e, n);
            this.slots = globalSlots(e.masks().isGlobalF());
        }

        @Override
        public String layer(int i, String x) {
            int w = e.cfg().attentionWindow()[i] / 2;
            if (w == 0) {
                return super.layer(i, x);
            }
            OnnxGraph g = e.g();
            String p = prefix(i);
            int d = e.cfg().headDim();
            String[] qkv = qkv(p, x);
            String q = qkv[0];
            String k = qkv[1];
            String v = qkv[2];
            String scores = e.bandScores(q, k, w); // [B,h,nb,w,3w]
            String vb = e.keyBlocks(v, w, d);
            String kg = g.op("MatMul", slots.oneHot4(), k); // [B,h,G,d]
            String vg = g.op("MatMul", slots.oneHot4(), v);
            String sg = g.op("MatMul", q, g.op("Transpose", new Attr[] {Attr.ints("perm", 0, 1, 3, 2)}, kg)); // [B,h,Lp,G]
            String sgb = g.op("Add", g.op("Reshape", sg, g.op("Concat", new Attr[] {Attr.i("axis", 0)}, g.ints64(0, 0, -1, w), slots.count())), slots.bias()); // [B,h,nb,w,G]
            String probs = g.op("Softmax", new Attr[] {Attr.i("axis", -1)}, g.op("Concat", new Attr[] {Attr.i("axis", -1)}, sgb, scores));
            String pg = g.op("Slice", probs, g.ints64(0), slots.count(), g.ints64(4));
            String pl = g.op("Slice", probs, slots.count(), g.ints64(EncoderGraph.END), g.ints64(4));
            String local = g.op("Reshape", g.op("MatMul", pl, vb), g.ints64(0, 0, -1, d));
            String fromGlobal = g.op("MatMul", g.op("Reshape", pg, g.op("Concat", new Attr[] {Attr.i("axis", 0)}, g.ints64(0, 0, -1), slots.count())), vg);
            String ctx = g.op("Add", local, fromGlobal);
            return postNormBlock(p, x, ctx, slots.isGlobal(), globalRows(p, x));
        }

        /** Attention output for the global tokens' own rows, scattered back to [B, Lp, H] via one-hot. */
        private String globalRows(String p, String x) {
            OnnxGraph g = e.g();
            float scale = (float) (1.0 / Math.sqrt(e.cfg().headDim()));
            String hg = g.op("MatMul", slots.oneHot(), x); // [B,G,H]
            String qg = e.heads(e.linear(hg, p + "attention.self.query_global", scale)); // [B,h,G,d]
            String kg = e.heads(e.linear(x, p + "attention.self.key_global", 1f)); // [B,h,Lp,d]
            String vg = e.heads(e.linear(x, p + "attention.self.value_global", 1f));
            String s = g.op("Add", g.op("MatMul", qg, g.op("Transpose", new Attr[] {Attr.ints("perm", 0, 1, 3, 2)}, kg)), e.padKeyBias());
            String o = g.op("MatMul", g.op("Softmax", new Attr[] {Attr.i("axis", -1)}, s), vg); // [B,h,G,d]
            return g.op("MatMul", slots.oneHotT(), e.mergeHeads(o)); // [B,Lp,H]
        }

        private GlobalSlots globalSlots(String isGlobalF) {
            OnnxGraph g = e.g();
            boolean trt8 = e.opts().tensorRt8();
            // score = global * 2^22 - position: globals first, in position order; exact in float32. The
            // TensorRT graph uses 2^13, which fp16 can hold: globals still rank first (> 0, the rest <= 0).
            String positions = e.positionsF(isGlobalF);
            String score = g.op("Sub", g.op("Mul", isGlobalF, g.scalarFloat(trt8 ? 8192f : 4194304f)), positions);
            String k;
            if (e.opts().globalSlots() > 0) {
                k = g.ints64(e.opts().globalSlots());
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
            if (e.opts().staticLength() > 0) { // a constant, so no float position has to be exact in fp16
                long[] range = new long[e.paddedLength()];
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
            String bias = g.op("Unsqueeze", e.maskBias(validF), g.ints64(1, 2, 3)); // [B,1,1,1,G]
            String count = e.opts().globalSlots() > 0 ? k : g.op("Slice", g.op("Shape", top[1]), g.ints64(1), g.ints64(2)); // [1] = G
            String isGlobal = g.op("Unsqueeze", g.op("Cast", new Attr[] {Attr.i("to", OnnxGraph.BOOL)}, isGlobalF), g.ints64(-1));
            return new GlobalSlots(count, oneHot, oneHot4, oneHotT, bias, isGlobal);
        }
    }
}
