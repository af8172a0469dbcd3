package dev.kembed.model.arch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kembed.model.checkpoint.CheckpointException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What BERT, Longformer and XLM-RoBERTa share: BERT's config keys, weight names and post-norm
 * blocks (word + position + token-type embeddings, q/k/v, output dense, GELU FFN, LayerNorm after
 * each), attending in a band or, where a layer's window is 0, to every key.
 */
abstract class BertStyle implements Architecture {
    /** Defaults of the keys transformers' config class fills in when a checkpoint leaves them out. */
    record Defaults(int typeVocab, double eps, int bos, int eos) {}

    abstract Defaults defaults();

    /** The per-layer windows when {@code attention_window} is absent, or a refusal naming what to do. */
    abstract int[] windowsWithoutAttentionWindow(ConfigJson json, int layers);

    /** Whether {@code config.json} carries {@code attention_window} for this architecture. */
    abstract boolean writesAttentionWindow();

    @Override
    public ModelConfig readConfig(ConfigJson json) {
        String act = json.path("hidden_act").asText("gelu");
        if (!act.equals("gelu")) {
            throw json.unsupported("hidden_act '" + act + "'", "gelu");
        }
        int layers = json.required("num_hidden_layers");
        JsonNode win = json.get("attention_window");
        int[] windows;
        if (win == null || win.isNull()) {
            windows = windowsWithoutAttentionWindow(json, layers);
        } else if (win.isArray()) {
            windows = new int[win.size()];
            for (int i = 0; i < windows.length; i++) {
                windows[i] = win.get(i).asInt();
            }
        } else {
            windows = new int[layers];
            Arrays.fill(windows, win.asInt());
        }
        Defaults d = defaults();
        return new ModelConfig(this,
                json.required("vocab_size"),
                json.required("hidden_size"),
                layers,
                json.required("num_attention_heads"),
                json.required("intermediate_size"),
                json.required("max_position_embeddings"),
                json.path("type_vocab_size").asInt(d.typeVocab()),
                json.path("layer_norm_eps").asDouble(d.eps()),
                json.required("pad_token_id"),
                json.special("bos_token_id", null, d.bos(), true),
                json.special("eos_token_id", null, d.eos(), false),
                windows);
    }

    /** The refusal of a banded-only architecture's config without a window. */
    static CheckpointException windowMissing(ConfigJson json, String modelType) {
        return new CheckpointException(json.file() + ": attention_window is missing; a " + modelType + " checkpoint runs with"
                + " sliding-window attention here (for a BERT checkpoint use `kembed model long`, which sets it)");
    }

    @Override
    public void writeConfig(ModelConfig c, ObjectNode o) {
        o.put("hidden_act", "gelu");
        o.put("type_vocab_size", c.typeVocabSize());
        o.put("layer_norm_eps", c.layerNormEps());
        if (writesAttentionWindow()) {
            var w = o.putArray("attention_window");
            for (int x : c.attentionWindow()) {
                w.add(x);
            }
        }
    }

    @Override
    public Map<String, int[]> weightShapes(ModelConfig c) {
        int h = c.hiddenSize();
        Map<String, int[]> s = new LinkedHashMap<>();
        s.put("embeddings.word_embeddings.weight", new int[] {c.vocabSize(), h});
        s.put("embeddings.position_embeddings.weight", new int[] {c.maxPositions(), h});
        s.put("embeddings.token_type_embeddings.weight", new int[] {c.typeVocabSize(), h});
        s.put("embeddings.LayerNorm.weight", new int[] {h});
        s.put("embeddings.LayerNorm.bias", new int[] {h});
        for (int i = 0; i < c.numLayers(); i++) {
            String p = "encoder.layer." + i + ".";
            List<String> projections = new ArrayList<>(List.of("query", "key", "value"));
            if (globalProjections()) {
                projections.addAll(List.of("query_global", "key_global", "value_global"));
            }
            for (String proj : projections) {
                s.put(p + "attention.self." + proj + ".weight", new int[] {h, h});
                s.put(p + "attention.self." + proj + ".bias", new int[] {h});
            }
            s.put(p + "attention.output.dense.weight", new int[] {h, h});
            s.put(p + "attention.output.dense.bias", new int[] {h});
            s.put(p + "attention.output.LayerNorm.weight", new int[] {h});
            s.put(p + "attention.output.LayerNorm.bias", new int[] {h});
            s.put(p + "intermediate.dense.weight", new int[] {c.intermediateSize(), h});
            s.put(p + "intermediate.dense.bias", new int[] {c.intermediateSize()});
            s.put(p + "output.dense.weight", new int[] {h, c.intermediateSize()});
            s.put(p + "output.dense.bias", new int[] {h});
            s.put(p + "output.LayerNorm.weight", new int[] {h});
            s.put(p + "output.LayerNorm.bias", new int[] {h});
        }
        return s;
    }

    @Override
    public double forwardFlops(ModelConfig c, int length, boolean global) {
        return EncoderFlops.of(c, length, global && globalProjections(), 2);
    }

    @Override
    public EncoderLayers layers(EncoderGraph e) {
        return new Layers(e);
    }

    /** BERT's layers; Longformer extends them with its global tokens. */
    static class Layers implements EncoderLayers {
        final EncoderGraph e;

        Layers(EncoderGraph e) {
            this.e = e;
        }

        @Override
        public String embeddings() {
            var g = e.g();
            EncoderGraph.Masks m = e.masks();
            String pos = m.hostPositions() != null ? m.hostPositions() : e.cfg().family().positions().graph(e, m.idsP());
            String word = g.op("Gather", e.weight("embeddings.word_embeddings.weight"), m.idsP());
            String position = g.op("Gather", e.weight("embeddings.position_embeddings.weight"), pos);
            String sum = g.op("Add", g.op("Add", word, position), e.tokenType0());
            return e.layerNorm(sum, "embeddings.LayerNorm");
        }

        @Override
        public String layer(int i, String x) {
            String p = prefix(i);
            int w = e.cfg().attentionWindow()[i] / 2;
            String[] qkv = qkv(p, x);
            String ctx = w == 0 ? e.fullAttention(qkv[0], qkv[1], qkv[2]) : e.bandAttention(qkv[0], qkv[1], qkv[2], w);
            return postNormBlock(p, x, ctx, null, null);
        }

        static String prefix(int i) {
            return "encoder.layer." + i + ".";
        }

        /** q (scaled by 1/sqrt(d)), k, v: each [B,h,Lp,d]. */
        String[] qkv(String p, String x) {
            float scale = (float) (1.0 / Math.sqrt(e.cfg().headDim()));
            return new String[] {e.heads(e.linear(x, p + "attention.self.query", scale)), e.heads(e.linear(x, p + "attention.self.key", 1f)),
                    e.heads(e.linear(x, p + "attention.self.value", 1f))};
        }

        /** The block after attention: merge heads (global rows over them), output projection, residual, LayerNorm, GELU FFN. */
        String postNormBlock(String p, String x, String ctx, String isGlobal, String globalRowsOrNull) {
            var g = e.g();
            String merged = e.mergeHeads(ctx);
            if (globalRowsOrNull != null) {
                merged = g.op("Where", isGlobal, globalRowsOrNull, merged);
            }
            merged = g.op("Mul", merged, e.masks().queryValid()); // HF zeroes the attention output of pad queries
            String attnOut = e.layerNorm(g.op("Add", e.linear(merged, p + "attention.output.dense", 1f), x), p + "attention.output.LayerNorm");
            String inter = e.gelu(e.linear(attnOut, p + "intermediate.dense", 1f));
            return e.layerNorm(g.op("Add", e.linear(inter, p + "output.dense", 1f), attnOut), p + "output.LayerNorm");
        }
    }
}
