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

    /**
     * Where a BERT-shaped checkpoint keeps each weight (without {@code .weight}/{@code .bias}); the
     * layer names are relative to {@code layer + i + "."}.
     *
     * @param tokenTypes whether the embeddings add a token-type row (DistilBERT and MPNet have no table)
     */
    record Names(String embeddingNorm, boolean tokenTypes, String layer, String query, String key, String value, String attentionOut,
            String attentionNorm, String ffnIn, String ffnOut, String outputNorm) {}

    /** BERT's own names, which Longformer, RoBERTa and XLM-RoBERTa keep. */
    static final Names BERT_NAMES = new Names("embeddings.LayerNorm", true, "encoder.layer.", "attention.self.query", "attention.self.key",
            "attention.self.value", "attention.output.dense", "attention.output.LayerNorm", "intermediate.dense", "output.dense",
            "output.LayerNorm");

    Names names() {
        return BERT_NAMES;
    }

    abstract Defaults defaults();

    /** The per-layer windows when {@code attention_window} is absent (full attention), or a refusal naming what to do. */
    int[] windowsWithoutAttentionWindow(ConfigJson json, int layers) {
        return new int[layers];
    }

    /** Whether {@code config.json} carries {@code attention_window} for this architecture (only the banded ones). */
    boolean writesAttentionWindow() {
        return false;
    }

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
        Names n = names();
        int h = c.hiddenSize();
        Map<String, int[]> s = new LinkedHashMap<>();
        s.put("embeddings.word_embeddings.weight", new int[] {c.vocabSize(), h});
        s.put("embeddings.position_embeddings.weight", new int[] {c.maxPositions(), h});
        if (n.tokenTypes()) {
            s.put("embeddings.token_type_embeddings.weight", new int[] {c.typeVocabSize(), h});
        }
        WeightShapes.norm(s, n.embeddingNorm(), h, true);
        for (int i = 0; i < c.numLayers(); i++) {
            String p = n.layer() + i + ".";
            List<String> projections = new ArrayList<>(List.of(n.query(), n.key(), n.value()));
            if (globalProjections()) {
                projections.addAll(List.of("attention.self.query_global", "attention.self.key_global", "attention.self.value_global"));
            }
            for (String proj : projections) {
                WeightShapes.linear(s, p + proj, h, h, true);
            }
            WeightShapes.linear(s, p + n.attentionOut(), h, h, true);
            WeightShapes.norm(s, p + n.attentionNorm(), h, true);
            WeightShapes.linear(s, p + n.ffnIn(), c.intermediateSize(), h, true);
            WeightShapes.linear(s, p + n.ffnOut(), h, c.intermediateSize(), true);
            WeightShapes.norm(s, p + n.outputNorm(), h, true);
        }
        return s;
    }

    @Override
    public double forwardFlops(ModelConfig c, int length, boolean global) {
        return EncoderFlops.of(c, length, global && globalProjections(), 2);
    }

    @Override
    public EncoderLayers layers(EncoderGraph e) {
        return new Layers(e, names());
    }

    /** BERT's layers; Longformer extends them with its global tokens, MPNet with its relative position bias. */
    static class Layers implements EncoderLayers {
        final EncoderGraph e;
        final Names n;

        Layers(EncoderGraph e, Names n) {
            this.e = e;
            this.n = n;
        }

        @Override
        public String embeddings() {
            var g = e.g();
            EncoderGraph.Masks m = e.masks();
            String pos = m.hostPositions() != null ? m.hostPositions() : e.cfg().family().positions().graph(e, m.idsP());
            String word = g.op("Gather", e.weight("embeddings.word_embeddings.weight"), m.idsP());
            String position = g.op("Gather", e.weight("embeddings.position_embeddings.weight"), pos);
            String sum = g.op("Add", word, position);
            if (n.tokenTypes()) {
                sum = g.op("Add", sum, e.tokenType0());
            }
            return e.layerNorm(sum, n.embeddingNorm());
        }

        @Override
        public String layer(int i, String x) {
            String p = prefix(i);
            int w = e.cfg().attentionWindow()[i] / 2;
            String[] qkv = qkv(p, x);
            String ctx = w == 0 ? e.fullAttention(qkv[0], qkv[1], qkv[2]) : e.bandAttention(qkv[0], qkv[1], qkv[2], w);
            return postNormBlock(p, x, ctx, null, null);
        }

        String prefix(int i) {
            return n.layer() + i + ".";
        }

        /** q (scaled by 1/sqrt(d)), k, v: each [B,h,Lp,d]. */
        String[] qkv(String p, String x) {
            float scale = (float) (1.0 / Math.sqrt(e.cfg().headDim()));
            return new String[] {e.heads(e.linear(x, p + n.query(), scale)), e.heads(e.linear(x, p + n.key(), 1f)),
                    e.heads(e.linear(x, p + n.value(), 1f))};
        }

        /** The block after attention: merge heads (global rows over them), output projection, residual, LayerNorm, GELU FFN. */
        String postNormBlock(String p, String x, String ctx, String isGlobal, String globalRowsOrNull) {
            var g = e.g();
            String merged = e.mergeHeads(ctx);
            if (globalRowsOrNull != null) {
                merged = g.op("Where", isGlobal, globalRowsOrNull, merged);
            }
            merged = g.op("Mul", merged, e.masks().queryValid()); // HF zeroes the attention output of pad queries
            String attnOut = e.layerNorm(g.op("Add", e.linear(merged, p + n.attentionOut(), 1f), x), p + n.attentionNorm());
            String inter = e.gelu(e.linear(attnOut, p + n.ffnIn(), 1f));
            return e.layerNorm(g.op("Add", e.linear(inter, p + n.ffnOut(), 1f), attnOut), p + n.outputNorm());
        }
    }
}
