package dev.kembed.model.arch;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kembed.model.onnx.OnnxGraph;
import dev.kembed.model.onnx.OnnxGraph.Attr;
import java.util.List;
import java.util.Map;

/**
 * MPNet (all-mpnet-base-v2): positions from pad id + 1 like RoBERTa, no token types, post-norm BERT
 * blocks under its own names, and one relative-position bias table ({@code Embedding(32, heads)})
 * in the encoder, shared by every layer and added to the attention scores.
 */
final class MpNet extends BertStyle {
    /** transformers calls {@code relative_position_bucket} with its defaults whatever the config says. */
    private static final int BUCKETS = 32;
    private static final int MAX_DISTANCE = 128;
    private static final String BIAS_TABLE = "encoder.relative_attention_bias.weight";
    private static final Names NAMES = new Names("embeddings.LayerNorm", false, "encoder.layer.", "attention.attn.q", "attention.attn.k",
            "attention.attn.v", "attention.attn.o", "attention.LayerNorm", "intermediate.dense", "output.dense", "output.LayerNorm");

    @Override
    public String name() {
        return "mpnet";
    }

    @Override
    public String modelType() {
        return "mpnet";
    }

    @Override
    public String hfClass() {
        return "MPNetModel";
    }

    @Override
    Names names() {
        return NAMES;
    }

    @Override
    Defaults defaults() {
        return new Defaults(0, 1e-5, 0, 2);
    }

    @Override
    public ModelConfig readConfig(ConfigJson json) {
        int buckets = json.path("relative_attention_num_buckets").asInt(BUCKETS);
        if (buckets != BUCKETS) { // transformers itself fails on another value: its bucket function assumes 32
            throw json.unsupported("relative_attention_num_buckets " + buckets, modelType(), String.valueOf(BUCKETS));
        }
        ModelConfig c = super.readConfig(json);
        return new ModelConfig(this, c.vocabSize(), c.hiddenSize(), c.numLayers(), c.numHeads(), c.intermediateSize(), c.maxPositions(), 0,
                c.layerNormEps(), c.padTokenId(), c.bosTokenId(), c.eosTokenId(), c.attentionWindow());
    }

    @Override
    public void writeConfig(ModelConfig c, ObjectNode o) {
        super.writeConfig(c, o);
        o.remove("type_vocab_size");
        o.put("relative_attention_num_buckets", BUCKETS);
    }

    @Override
    public List<String> weightPrefixes() {
        return List.of("mpnet.");
    }

    @Override
    public Map<String, int[]> weightShapes(ModelConfig c) {
        Map<String, int[]> s = super.weightShapes(c);
        s.put(BIAS_TABLE, new int[] {BUCKETS, c.numHeads()});
        return s;
    }

    @Override
    public PositionIds positions() {
        return PositionIds.AFTER_PAD;
    }

    @Override
    public boolean clsSeesEverything() {
        return true;
    }

    @Override
    public List<Preset> presets() {
        return List.of(new Preset("mpnet-base", "all-mpnet-base-v2's shapes: 12 layers, 768 wide, 514 positions",
                vocab -> new ModelConfig(this, 30_527, 768, 12, 12, 3072, 514, 0, 1e-5, 1, 0, 2, new int[12]), 0.02));
    }

    @Override
    public EncoderLayers layers(EncoderGraph e) {
        return new Layers(e, NAMES) {
            private String bias;

            @Override
            public String layer(int i, String x) {
                String p = prefix(i);
                String[] qkv = qkv(p, x);
                return postNormBlock(p, x, e.fullAttention(qkv[0], qkv[1], qkv[2], positionBias()), null, null);
            }

            /** [1, h, Lp, Lp]: the table's row for each (query, key) pair's bucket, made once per graph. */
            private String positionBias() {
                if (bias == null) {
                    OnnxGraph g = e.g();
                    String buckets = g.op("Cast", new Attr[] {Attr.i("to", OnnxGraph.INT64)}, e.squareTable("mpnet_buckets", buckets(e.longestSequence())));
                    String perPair = g.op("Gather", e.weight(BIAS_TABLE), buckets); // [Lp, Lp, h]
                    bias = g.op("Unsqueeze", g.op("Transpose", new Attr[] {Attr.ints("perm", 2, 0, 1)}, perPair), g.ints64(0));
                }
                return bias;
            }
        };
    }

    /** transformers' {@code MPNetAttention.relative_position_bucket} for key j and query i, in its float32 arithmetic. */
    static float[] buckets(int n) {
        float[] out = new float[n * n];
        int half = BUCKETS / 2;
        int maxExact = half / 2;
        float logRange = (float) Math.log((double) MAX_DISTANCE / maxExact);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                int rel = i - j; // -(memory - context)
                int ret = rel < 0 ? half : 0;
                int dist = Math.abs(rel);
                int bucket;
                if (dist < maxExact) {
                    bucket = dist;
                } else {
                    float scaled = (float) Math.log((float) dist / maxExact) / logRange * (half - maxExact);
                    bucket = Math.min(maxExact + (int) scaled, half - 1);
                }
                out[i * n + j] = ret + bucket;
            }
        }
        return out;
    }
}
