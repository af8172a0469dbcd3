package dev.kembed.model.arch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kembed.model.onnx.OnnxGraph;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * NomicBERT (nomic-embed-text): RoPE on every layer, post-norm, SwiGLU, full attention, no biases
 * in the projections; config in the native keys ({@code hidden_size}, {@code rope_parameters}, ...)
 * or the remote-code ones ({@code n_embd}, {@code n_layer}, {@code rotary_emb_base}, ...). Variants
 * kembed does not compute (pre-norm, partial or interleaved rotary) are refused by name.
 */
final class NomicBert implements Architecture {
    @Override
    public String name() {
        return "nomic_bert";
    }

    @Override
    public String modelType() {
        return "nomic_bert";
    }

    @Override
    public String hfClass() {
        return "NomicBertModel";
    }

    @Override
    public ModelConfig readConfig(ConfigJson json) {
        if (json.path("prenorm").asBoolean(false)) {
            throw json.unsupported("prenorm=true", modelType(), "false");
        }
        if (json.path("rotary_emb_fraction").asDouble(1.0) != 1.0) {
            throw json.unsupported("rotary_emb_fraction " + json.get("rotary_emb_fraction"), "1.0");
        }
        if (json.path("rotary_emb_interleaved").asBoolean(false)) {
            throw json.unsupported("rotary_emb_interleaved=true", "false");
        }
        String act = json.has("activation_function") ? json.path("activation_function").asText() : json.path("hidden_act").asText("silu");
        if (!act.equals("swiglu") && !act.equals("silu")) {
            throw json.unsupported("activation '" + act + "'", modelType(), "swiglu");
        }
        for (String bias : new String[] {"qkv_proj_bias", "mlp_fc1_bias", "mlp_fc2_bias"}) {
            if (json.path(bias).asBoolean(false)) {
                throw json.unsupported(bias + "=true", modelType(), "false");
            }
        }
        int layers = json.either("num_hidden_layers", "n_layer");
        JsonNode rope = json.path("rope_parameters");
        double theta = rope.path("rope_theta").asDouble(json.path("rotary_emb_base").asDouble(1000));
        int positions = json.either("max_position_embeddings", "n_positions");
        // dynamic NTK: the hub's rotary_scaling_factor past max_trained_positions, or transformers' rope_type dynamic
        JsonNode scaling = json.get("rotary_scaling_factor");
        int trained = json.path("max_trained_positions").asInt(2048);
        String ropeType = rope.path("rope_type").asText("default");
        if (ropeType.equals("dynamic")) {
            scaling = rope.get("factor");
            trained = rope.path("original_max_position_embeddings").asInt(positions);
        } else if (!ropeType.equals("default")) {
            throw json.unsupported("rope_type '" + ropeType + "'", modelType(), "default, dynamic");
        }
        return new ModelConfig(this, json.required("vocab_size"), json.either("hidden_size", "n_embd"), layers,
                json.either("num_attention_heads", "n_head"), json.either("intermediate_size", "n_inner"), positions,
                json.path("type_vocab_size").asInt(2),
                json.has("layer_norm_eps") ? json.path("layer_norm_eps").asDouble() : json.path("layer_norm_epsilon").asDouble(1e-12),
                json.path("pad_token_id").asInt(0), json.special("bos_token_id", null, 101, true), json.special("eos_token_id", null, 102, false),
                new int[layers], new RopeSettings(theta, theta, false, false, true, scaling == null || scaling.isNull() ? 0 : scaling.asDouble(),
                        trained));
    }

    @Override
    public void writeConfig(ModelConfig c, ObjectNode o) {
        o.put("hidden_act", "silu");
        o.put("layer_norm_eps", c.layerNormEps());
        o.put("type_vocab_size", c.typeVocabSize());
        o.putObject("rope_parameters").put("rope_theta", c.rope().globalTheta()).put("rope_type", "default");
    }

    @Override
    public List<String> weightPrefixes() {
        return List.of("bert.", "model.");
    }

    @Override
    public Map<String, int[]> weightShapes(ModelConfig c) {
        int h = c.hiddenSize();
        int in = c.intermediateSize();
        Map<String, int[]> s = new LinkedHashMap<>();
        s.put("embeddings.word_embeddings.weight", new int[] {c.vocabSize(), h});
        s.put("embeddings.token_type_embeddings.weight", new int[] {c.typeVocabSize(), h});
        WeightShapes.norm(s, "emb_ln", h, true);
        for (int i = 0; i < c.numLayers(); i++) {
            String p = "encoder.layers." + i + ".";
            WeightShapes.linear(s, p + "attn.Wqkv", 3 * h, h, false);
            WeightShapes.linear(s, p + "attn.out_proj", h, h, false);
            WeightShapes.linear(s, p + "mlp.fc11", in, h, false);
            WeightShapes.linear(s, p + "mlp.fc12", in, h, false);
            WeightShapes.linear(s, p + "mlp.fc2", h, in, false);
            WeightShapes.norm(s, p + "norm1", h, true);
            WeightShapes.norm(s, p + "norm2", h, true);
        }
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
        return EncoderFlops.of(c, length, false, 3); // SwiGLU: two up projections
    }

    @Override
    public List<Preset> presets() {
        return List.of(new Preset("nomic-base", "nomic-embed-text's shapes: 12 layers, 768 wide, SwiGLU 3072, RoPE base 1000, 8192 tokens",
                vocab -> new ModelConfig(this, 30_528, 768, 12, 12, 3072, 8192, 2, 1e-12, 1, 0, 2, new int[12],
                        new RopeSettings(1000, 1000, false, false, true, 0, 2048)), 0.02));
    }

    /** The post-norm block: norm1(x + out_proj(attention)) with RoPE, full attention; then norm2(x + fc2(fc11(x) * silu(fc12(x)))). */
    @Override
    public EncoderLayers layers(EncoderGraph e) {
        Rotary rotary = new Rotary(e);
        OnnxGraph g = e.g();
        return new EncoderLayers() {
            @Override
            public String embeddings() {
                return e.layerNorm(g.op("Add", g.op("Gather", e.weight("embeddings.word_embeddings.weight"), e.masks().idsP()), e.tokenType0()),
                        "emb_ln");
            }

            @Override
            public String layer(int i, String x) {
                String p = "encoder.layers." + i + ".";
                String[] qkv = e.fusedQkv(x, p + "attn.Wqkv");
                double theta = e.cfg().rope().globalTheta();
                String ctx = e.fullAttention(rotary.apply(qkv[0], theta), rotary.apply(qkv[1], theta), qkv[2]);
                x = e.layerNorm(g.op("Add", x, e.linear(e.mergeHeads(ctx), p + "attn.out_proj", 1f)), p + "norm1");
                String up = e.linear(x, p + "mlp.fc11", 1f);
                String gate = e.linear(x, p + "mlp.fc12", 1f);
                return e.layerNorm(g.op("Add", x, e.linear(g.op("Mul", up, e.silu(gate)), p + "mlp.fc2", 1f)), p + "norm2");
            }
        };
    }
}
