package dev.kembed.model.arch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kembed.model.checkpoint.CheckpointException;
import dev.kembed.model.onnx.OnnxGraph;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * ModernBERT (gte-modernbert, granite-embedding-r2, modernbert-embed): no position table but RoPE
 * with a base per layer kind, pre-norm, GeGLU, sliding layers with a global one every few, optional
 * biases, a fused {@code Wqkv}; MLM checkpoints keep the encoder under {@code model.}.
 */
final class ModernBert implements Architecture {
    @Override
    public String name() {
        return "modernbert";
    }

    @Override
    public String modelType() {
        return "modernbert";
    }

    @Override
    public String hfClass() {
        return "ModernBertModel";
    }

    /**
     * Both config generations: 5.x {@code layer_types} + {@code rope_parameters}, or the legacy
     * {@code global_attn_every_n_layers} + {@code global_rope_theta}/{@code local_rope_theta}.
     * Sliding layers get {@code local_attention} as their window, global ones 0 (full attention).
     */
    @Override
    public ModelConfig readConfig(ConfigJson json) {
        String act = json.path("hidden_activation").asText("gelu");
        if (!act.equals("gelu")) {
            throw json.unsupported("hidden_activation '" + act + "'", "gelu");
        }
        int layers = json.required("num_hidden_layers");
        int local = json.required("local_attention");
        int[] windows = new int[layers];
        JsonNode types = json.get("layer_types");
        if (types != null && types.isArray()) {
            if (types.size() != layers) {
                throw new CheckpointException(json.file() + ": layer_types has " + types.size() + " entries but num_hidden_layers is " + layers);
            }
            for (int i = 0; i < layers; i++) {
                String t = types.get(i).asText();
                if (!t.equals("full_attention") && !t.equals("sliding_attention")) {
                    throw new CheckpointException(json.file() + ": layer_types[" + i + "] '" + t
                            + "' is not supported; allowed: full_attention, sliding_attention");
                }
                windows[i] = t.equals("full_attention") ? 0 : local;
            }
        } else {
            int every = json.path("global_attn_every_n_layers").asInt(3);
            for (int i = 0; i < layers; i++) {
                windows[i] = i % every == 0 ? 0 : local;
            }
        }
        JsonNode rope = json.path("rope_parameters");
        double global = rope.path("full_attention").path("rope_theta").asDouble(json.path("global_rope_theta").asDouble(160_000));
        double localTheta = rope.path("sliding_attention").path("rope_theta").asDouble(json.path("local_rope_theta").asDouble(10_000));
        return new ModelConfig(this, json.required("vocab_size"), json.required("hidden_size"), layers,
                json.required("num_attention_heads"), json.required("intermediate_size"),
                json.required("max_position_embeddings"), 0, json.path("norm_eps").asDouble(1e-5), json.required("pad_token_id"),
                json.special("cls_token_id", "bos_token_id", 50281, true), json.special("sep_token_id", "eos_token_id", 50282, false),
                windows, new RopeSettings(global, localTheta, json.path("attention_bias").asBoolean(false), json.path("mlp_bias").asBoolean(false),
                        json.path("norm_bias").asBoolean(false), 0, 0));
    }

    @Override
    public void writeConfig(ModelConfig c, ObjectNode o) {
        o.put("hidden_activation", "gelu");
        o.put("norm_eps", c.layerNormEps());
        o.put("cls_token_id", c.bosTokenId());
        o.put("sep_token_id", c.eosTokenId());
        int local = Arrays.stream(c.attentionWindow()).max().orElse(0);
        o.put("local_attention", local);
        var types = o.putArray("layer_types");
        for (int w : c.attentionWindow()) {
            types.add(w == 0 ? "full_attention" : "sliding_attention");
        }
        ObjectNode rope = o.putObject("rope_parameters");
        rope.putObject("full_attention").put("rope_theta", c.rope().globalTheta()).put("rope_type", "default");
        rope.putObject("sliding_attention").put("rope_theta", c.rope().localTheta()).put("rope_type", "default");
        o.put("attention_bias", c.rope().attentionBias()).put("mlp_bias", c.rope().mlpBias()).put("norm_bias", c.rope().normBias());
    }

    @Override
    public List<String> weightPrefixes() {
        return List.of("model.");
    }

    @Override
    public Map<String, int[]> weightShapes(ModelConfig c) {
        int h = c.hiddenSize();
        int in = c.intermediateSize();
        RopeSettings r = c.rope();
        Map<String, int[]> s = new LinkedHashMap<>();
        s.put("embeddings.tok_embeddings.weight", new int[] {c.vocabSize(), h});
        WeightShapes.norm(s, "embeddings.norm", h, r.normBias());
        for (int i = 0; i < c.numLayers(); i++) {
            String p = "layers." + i + ".";
            if (i > 0) { // layer 0 has no attention norm: the embeddings' norm precedes it
                WeightShapes.norm(s, p + "attn_norm", h, r.normBias());
            }
            WeightShapes.linear(s, p + "attn.Wqkv", 3 * h, h, r.attentionBias());
            WeightShapes.linear(s, p + "attn.Wo", h, h, r.attentionBias());
            WeightShapes.norm(s, p + "mlp_norm", h, r.normBias());
            WeightShapes.linear(s, p + "mlp.Wi", 2 * in, h, r.mlpBias());
            WeightShapes.linear(s, p + "mlp.Wo", h, in, r.mlpBias());
        }
        WeightShapes.norm(s, "final_norm", h, r.normBias());
        return s;
    }

    @Override
    public PositionIds positions() {
        return PositionIds.NONE;
    }

    @Override
    public boolean clsSeesEverything() {
        return true;
    }

    @Override
    public double forwardFlops(ModelConfig c, int length, boolean global) {
        return EncoderFlops.of(c, length, false, 3); // GeGLU: two up projections
    }

    @Override
    public List<Preset> presets() {
        int[] windows = new int[22];
        for (int i = 0; i < windows.length; i++) {
            windows[i] = i % 3 == 0 ? 0 : 128;
        }
        return List.of(new Preset("modernbert-base", "22 layers, 768 wide, GeGLU 1152, local window 128 with a global layer every 3, 8192 tokens",
                vocab -> new ModelConfig(this, 50368, 768, 22, 12, 1152, 8192, 0, 1e-5, 1, 0, 2, windows.clone(),
                        new RopeSettings(160_000, 10_000, false, false, false, 0, 0)), 0.02));
    }

    @Override
    public EncoderLayers layers(EncoderGraph e) {
        Rotary rotary = new Rotary(e);
        OnnxGraph g = e.g();
        return new EncoderLayers() {
            @Override
            public String embeddings() {
                return e.layerNorm(g.op("Gather", e.weight("embeddings.tok_embeddings.weight"), e.masks().idsP()), "embeddings.norm");
            }

            /**
             * The pre-norm block: x + Wo(attention(attn_norm(x))) with RoPE on q and k (the layer's own
             * base: global or local), band attention in sliding layers, full in global ones; then
             * x + Wo(gelu(first half of Wi(mlp_norm(x))) * second half).
             */
            @Override
            public String layer(int i, String x) {
                String p = "layers." + i + ".";
                int w = e.cfg().attentionWindow()[i] / 2;
                String a = i == 0 ? x : e.layerNorm(x, p + "attn_norm");
                String[] qkv = e.fusedQkv(a, p + "attn.Wqkv");
                double theta = w == 0 ? e.cfg().rope().globalTheta() : e.cfg().rope().localTheta();
                String q = rotary.apply(qkv[0], theta);
                String k = rotary.apply(qkv[1], theta);
                String ctx = w == 0 ? e.fullAttention(q, k, qkv[2]) : e.bandAttention(q, k, qkv[2], w);
                x = g.op("Add", x, e.linear(e.mergeHeads(ctx), p + "attn.Wo", 1f));
                String wi = e.linear(e.layerNorm(x, p + "mlp_norm"), p + "mlp.Wi", 1f);
                int in = e.cfg().intermediateSize();
                String input = g.op("Slice", wi, g.ints64(0), g.ints64(in), g.ints64(-1));
                String gate = g.op("Slice", wi, g.ints64(in), g.ints64(2L * in), g.ints64(-1));
                return g.op("Add", x, e.linear(g.op("Mul", e.gelu(input), gate), p + "mlp.Wo", 1f));
            }

            @Override
            public String finish(String x) {
                return e.layerNorm(x, "final_norm");
            }
        };
    }
}
