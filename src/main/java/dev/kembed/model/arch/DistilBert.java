package dev.kembed.model.arch;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * DistilBERT (msmarco-distilbert-*, multi-qa-distilbert-*): BERT's post-norm blocks under its own
 * weight and config names, no token types, positions from 0, full attention, LayerNorm eps fixed at
 * 1e-12 by its implementation.
 */
final class DistilBert extends BertStyle {
    private static final Names NAMES = new Names("embeddings.LayerNorm", false, "transformer.layer.", "attention.q_lin", "attention.k_lin",
            "attention.v_lin", "attention.out_lin", "sa_layer_norm", "ffn.lin1", "ffn.lin2", "output_layer_norm");

    @Override
    public String name() {
        return "distilbert";
    }

    @Override
    public String modelType() {
        return "distilbert";
    }

    @Override
    public String hfClass() {
        return "DistilBertModel";
    }

    @Override
    Names names() {
        return NAMES;
    }

    @Override
    Defaults defaults() {
        return new Defaults(0, 1e-12, 101, 102);
    }

    @Override
    public ModelConfig readConfig(ConfigJson json) {
        String act = json.path("activation").asText("gelu");
        if (!act.equals("gelu")) {
            throw json.unsupported("activation '" + act + "'", modelType(), "gelu");
        }
        if (json.path("sinusoidal_pos_embds").asBoolean(false)) {
            throw json.unsupported("sinusoidal_pos_embds=true", modelType(), "false");
        }
        int layers = json.required("n_layers");
        return new ModelConfig(this, json.required("vocab_size"), json.required("dim"), layers, json.required("n_heads"),
                json.required("hidden_dim"), json.required("max_position_embeddings"), 0, 1e-12, json.path("pad_token_id").asInt(0),
                json.special("bos_token_id", null, 101, true), json.special("eos_token_id", null, 102, false), new int[layers]);
    }

    @Override
    public void writeConfig(ModelConfig c, ObjectNode o) {
        o.put("activation", "gelu");
        o.put("dim", c.hiddenSize());
        o.put("n_layers", c.numLayers());
        o.put("n_heads", c.numHeads());
        o.put("hidden_dim", c.intermediateSize());
        o.put("sinusoidal_pos_embds", false);
    }

    @Override
    public List<String> weightPrefixes() {
        return List.of("distilbert.");
    }

    @Override
    public PositionIds positions() {
        return PositionIds.FROM_ZERO;
    }

    @Override
    public boolean clsSeesEverything() {
        return true;
    }
}
