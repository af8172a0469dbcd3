package dev.kembed.model.arch;

import dev.kembed.model.onnx.OnnxGraph;
import dev.kembed.model.onnx.OnnxGraph.Attr;

/**
 * How an architecture numbers positions, written once for the graph (counted from the ids) and for
 * the host (TensorRT graphs take them as an input).
 */
public enum PositionIds {
    /** BERT: 0, 1, 2, ... for every row slot. */
    FROM_ZERO,
    /** RoBERTa: real tokens count from pad id + 1 ({@code cumsum(id != pad) * (id != pad) + pad}), pads get the pad id. */
    AFTER_PAD,
    /** No position table: positions are rotary, 0, 1, 2, ... inside the attention. */
    NONE;

    /** The first position a real token gets. */
    public int offset(int padTokenId) {
        return this == AFTER_PAD ? padTokenId + 1 : 0;
    }

    /** Hugging Face's position ids for {@code rows} rows of {@code length} ids each. */
    public int[] host(int[] inputIds, int rows, int length, int padTokenId) {
        int[] pos = new int[inputIds.length];
        for (int r = 0; r < rows; r++) {
            int count = 0;
            for (int t = 0; t < length; t++) {
                int i = r * length + t;
                if (this != AFTER_PAD) {
                    pos[i] = t;
                } else if (inputIds[i] != padTokenId) {
                    pos[i] = ++count + padTokenId;
                } else {
                    pos[i] = padTokenId;
                }
            }
        }
        return pos;
    }

    /** The same ids counted in the graph from the padded ids [B, Lp], in float (exact below 2^24); INT32 [B, Lp]. */
    String graph(EncoderGraph e, String idsP) {
        OnnxGraph g = e.g();
        String posF;
        if (this == AFTER_PAD) {
            String notPad = g.op("Cast", new Attr[] {Attr.i("to", OnnxGraph.FLOAT)},
                    g.op("Not", g.op("Equal", idsP, g.scalarInt32(e.cfg().padTokenId()))));
            String cum = g.op("CumSum", notPad, g.scalarInt32(1));
            posF = g.op("Add", g.op("Mul", cum, notPad), g.scalarFloat(e.cfg().padTokenId()));
        } else {
            posF = e.positionsF(g.op("Cast", new Attr[] {Attr.i("to", OnnxGraph.FLOAT)}, idsP));
        }
        return g.op("Cast", new Attr[] {Attr.i("to", OnnxGraph.INT32)}, posF);
    }
}
