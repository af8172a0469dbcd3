package dev.kembed.model.arch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kembed.model.checkpoint.TokenizerSpecials;
import dev.kembed.model.onnx.OnnxGraph;
import dev.kembed.model.onnx.OnnxGraph.Attr;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Qwen3 decoders (Qwen3-Embedding 0.6B/4B/8B): causal attention, grouped-query attention, RMSNorm on
 * each query and key head before RoPE, pre-norm blocks with RMSNorm, SwiGLU, a final RMSNorm; the
 * checkpoint keeps the model under {@code model.} when saved with its LM head. Qwen2 (gte-Qwen2,
 * stella) is the same class: q/k/v biases, no q/k norm.
 */
final class Qwen3 implements Architecture {
    private final boolean qwen2;

    /** @param qwen2 Qwen2's variant: biases on q, k and v, no q/k norm */
    Qwen3(boolean qwen2) {
        this.qwen2 = qwen2;
    }

    @Override
    public String name() {
        return qwen2 ? "qwen2" : "qwen3";
    }

    @Override
    public String modelType() {
        return name();
    }

    @Override
    public String hfClass() {
        return qwen2 ? "Qwen2Model" : "Qwen3Model";
    }

    @Override
    public ModelConfig readConfig(ConfigJson json) {
        String act = json.path("hidden_act").asText("silu");
        if (!act.equals("silu")) {
            throw json.unsupported("hidden_act '" + act + "'", modelType(), "silu");
        }
        if (json.path("use_sliding_window").asBoolean(false)) {
            throw json.unsupported("use_sliding_window=true", modelType(), "false");
        }
        for (JsonNode t : json.path("layer_types")) {
            if (!t.asText().equals("full_attention")) {
                throw json.unsupported("layer_types '" + t.asText() + "'", modelType(), "full_attention");
            }
        }
        JsonNode rope = json.path("rope_parameters");
        String ropeType = rope.path("rope_type").asText(json.path("rope_scaling").path("rope_type").asText("default"));
        if (!ropeType.equals("default")) {
            throw json.unsupported("rope_type '" + ropeType + "'", modelType(), "default");
        }
        double theta = rope.path("rope_theta").asDouble(json.path("rope_theta").asDouble(10_000));
        int hidden = json.required("hidden_size");
        int heads = json.required("num_attention_heads");
        int kvHeads = json.path("num_key_value_heads").asInt(heads);
        int headDim = json.path("head_dim").asInt(hidden / heads);
        if (kvHeads <= 0 || heads % kvHeads != 0) {
            throw json.unsupported("num_key_value_heads " + kvHeads + " with num_attention_heads " + heads, modelType(),
                    "a divisor of num_attention_heads");
        }
        int layers = json.required("num_hidden_layers");
        // the window's specials are what the tokenizer adds (content, then <|endoftext|>; no BOS), whatever bos/eos the config names
        Path tokenizer = json.file().resolveSibling("tokenizer.json");
        Integer closing = TokenizerSpecials.of(tokenizer, false);
        Integer opening = TokenizerSpecials.of(tokenizer, true);
        int eos = closing != null ? closing : json.special("eos_token_id", null, 151_643, false);
        boolean bias = qwen2 || json.path("attention_bias").asBoolean(false);
        return new ModelConfig(this, json.required("vocab_size"), hidden, layers, heads, json.required("intermediate_size"),
                json.required("max_position_embeddings"), 0, json.path("rms_norm_eps").asDouble(1e-6),
                json.path("pad_token_id").canConvertToInt() ? json.path("pad_token_id").asInt() : eos,
                opening != null ? opening : -1, eos, new int[layers],
                new RopeSettings(theta, theta, bias, false, false, 0, 0), new DecoderSettings(headDim, kvHeads, !qwen2));
    }

    @Override
    public void writeConfig(ModelConfig c, ObjectNode o) {
        o.put("hidden_act", "silu");
        o.put("rms_norm_eps", c.layerNormEps());
        o.put("num_key_value_heads", c.kvHeads());
        o.put("head_dim", c.headDim());
        o.put("attention_bias", c.rope().attentionBias());
        o.put("use_sliding_window", false);
        o.putObject("rope_parameters").put("rope_theta", c.rope().globalTheta()).put("rope_type", "default");
    }

    @Override
    public List<String> weightPrefixes() {
        return List.of("model.");
    }

    @Override
    public Map<String, int[]> weightShapes(ModelConfig c) {
        int h = c.hiddenSize();
        int q = c.numHeads() * c.headDim();
        int kv = c.kvHeads() * c.headDim();
        boolean bias = c.rope().attentionBias();
        Map<String, int[]> s = new LinkedHashMap<>();
        s.put("embed_tokens.weight", new int[] {c.vocabSize(), h});
        for (int i = 0; i < c.numLayers(); i++) {
            String p = "layers." + i + ".";
            WeightShapes.norm(s, p + "input_layernorm", h, false);
            WeightShapes.linear(s, p + "self_attn.q_proj", q, h, bias);
            WeightShapes.linear(s, p + "self_attn.k_proj", kv, h, bias);
            WeightShapes.linear(s, p + "self_attn.v_proj", kv, h, bias);
            WeightShapes.linear(s, p + "self_attn.o_proj", h, q, bias && !qwen2); // Qwen2's output projection has none
            if (!qwen2) {
                WeightShapes.norm(s, p + "self_attn.q_norm", c.headDim(), false);
                WeightShapes.norm(s, p + "self_attn.k_norm", c.headDim(), false);
            }
            WeightShapes.norm(s, p + "post_attention_layernorm", h, false);
            WeightShapes.linear(s, p + "mlp.gate_proj", c.intermediateSize(), h, false);
            WeightShapes.linear(s, p + "mlp.up_proj", c.intermediateSize(), h, false);
            WeightShapes.linear(s, p + "mlp.down_proj", h, c.intermediateSize(), false);
        }
        WeightShapes.norm(s, "norm", h, false);
        return s;
    }

    @Override
    public PositionIds positions() {
        return PositionIds.NONE;
    }

    /** Causal: the first token sees only itself. */
    @Override
    public boolean clsSeesEverything() {
        return false;
    }

    @Override
    public double forwardFlops(ModelConfig c, int length, boolean global) {
        double l = length;
        double h = c.hiddenSize();
        double q = (double) c.numHeads() * c.headDim();
        double kv = (double) c.kvHeads() * c.headDim();
        double perLayer = 2 * l * h * (2 * q + 2 * kv) // q, o and k, v projections
                + 3 * 2 * l * h * c.intermediateSize() // gate, up, down
                + 2 * 2 * l * l * q; // scores and probabilities · values (the graph computes the masked half too)
        return c.numLayers() * perLayer;
    }

    @Override
    public List<Preset> presets() {
        if (qwen2) {
            return List.of();
        }
        return List.of(new Preset("qwen3-0.6b", "Qwen3-Embedding-0.6B's shapes: 28 layers, 1024 wide, 16 query and 8 key/value heads of 128, 32768 tokens",
                vocab -> new ModelConfig(this, 151_669, 1024, 28, 16, 3072, 32_768, 0, 1e-6, 151_643, -1, 151_643, new int[28],
                        new RopeSettings(1_000_000, 1_000_000, false, false, false, 0, 0), new DecoderSettings(128, 8, true)), 0.02));
    }

    @Override
    public EncoderLayers layers(EncoderGraph e) {
        Rotary rotary = new Rotary(e);
        OnnxGraph g = e.g();
        ModelConfig c = e.cfg();
        return new EncoderLayers() {
            @Override
            public String embeddings() {
                return g.op("Gather", e.weight("embed_tokens.weight"), e.masks().idsP());
            }

            /** x + o(attention(rms(x))), then x + down(silu(gate(rms(x))) · up(rms(x))). */
            @Override
            public String layer(int i, String x) {
                String p = "layers." + i + ".";
                String a = e.rmsNorm(x, p + "input_layernorm");
                double theta = c.rope().globalTheta();
                String q = rotary.apply(head(a, p + "self_attn.q_proj", p + "self_attn.q_norm", c.numHeads()), theta);
                String k = rotary.apply(head(a, p + "self_attn.k_proj", p + "self_attn.k_norm", c.kvHeads()), theta);
                String v = head(a, p + "self_attn.v_proj", null, c.kvHeads());
                q = g.op("Mul", q, g.scalarFloat((float) (1.0 / Math.sqrt(c.headDim()))));
                String ctx = e.causalAttention(q, shared(k), shared(v));
                x = g.op("Add", x, e.linear(e.mergeHeads(ctx), p + "self_attn.o_proj", 1f));
                String m = e.rmsNorm(x, p + "post_attention_layernorm");
                String gate = e.linear(m, p + "mlp.gate_proj", 1f);
                String up = e.linear(m, p + "mlp.up_proj", 1f);
                return g.op("Add", x, e.linear(g.op("Mul", e.silu(gate), up), p + "mlp.down_proj", 1f));
            }

            @Override
            public String finish(String x) {
                return e.rmsNorm(x, "norm");
            }

            /** A projection split into heads [B, count, Lp, d], each head RMS-normed first where the model does (Qwen3). */
            private String head(String x, String projection, String norm, int count) {
                String split = e.splitHeads(e.linear(x, projection, 1f), count); // [B, Lp, count, d]
                if (norm != null && c.decoder().qkNorm()) {
                    split = e.rmsNorm(split, norm);
                }
                return g.op("Transpose", new Attr[] {Attr.ints("perm", 0, 2, 1, 3)}, split);
            }

            /** Grouped-query attention: each key/value head repeated for the query heads it serves. */
            private String shared(String kv) {
                int group = c.numHeads() / c.kvHeads();
                if (group == 1) {
                    return kv;
                }
                String tiled = g.op("Tile", g.op("Unsqueeze", kv, g.ints64(2)), g.ints64(1, 1, group, 1, 1)); // [B, kv, group, Lp, d]
                return g.op("Reshape", tiled, g.ints64(0, c.numHeads(), -1, c.headDim()));
            }
        };
    }
}
