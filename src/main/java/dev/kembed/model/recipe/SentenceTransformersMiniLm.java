package dev.kembed.model.recipe;

import dev.kembed.model.checkpoint.CheckpointException;
import dev.kembed.model.checkpoint.FloatTensor;
import dev.kembed.model.checkpoint.SafetensorsWriter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;

/**
 * all-MiniLM-L6-v2 as itself: the weights shipped on Maven Central (read by {@link MiniLmConverter})
 * written as the sentence-transformers directory the Hugging Face hub ships — a plain BERT with full
 * attention (no {@code attention_window}), 512 positions, mean pooling, L2 normalisation and
 * sentence-transformers' 256-token limit. It lets the real library load the same weights kembed
 * runs, so short-text parity and peer benchmarks compare like with like.
 */
public final class SentenceTransformersMiniLm {
    /** sentence-transformers' {@code max_seq_length} for this model (the hub's sentence_bert_config.json). */
    public static final int MAX_SEQ_LENGTH = 256;
    public static final int MAX_POSITIONS = 512;
    public static final int HIDDEN = 384;

    private static final ObjectMapper JSON = new ObjectMapper();

    private SentenceTransformersMiniLm() {}

    /** Writes the whole directory; returns the weights written (HF BERT names, Linear weights [out, in]). */
    public static Map<String, FloatTensor> write(Path out) throws IOException {
        Map<String, FloatTensor> weights = MiniLmConverter.pretrainedWeights();
        FloatTensor pos = weights.get("embeddings.position_embeddings.weight");
        if (pos == null || pos.dim(0) != MAX_POSITIONS || pos.dim(1) != HIDDEN) {
            throw new CheckpointException("the shipped all-MiniLM-L6-v2 ONNX should carry a [512, 384] position table, found "
                    + (pos == null ? "none" : pos.shapeString()));
        }
        Files.createDirectories(out);
        writeJson(out.resolve("config.json"), config());
        SafetensorsWriter.write(out.resolve("model.safetensors"), weights);
        byte[] tokenizer = tokenizerJson();
        Files.write(out.resolve("tokenizer.json"), tokenizer);
        Files.writeString(out.resolve("vocab.txt"), vocabTxt(tokenizer), StandardCharsets.UTF_8);
        writeJson(out.resolve("tokenizer_config.json"), tokenizerConfig());
        writeJson(out.resolve("special_tokens_map.json"), specialTokensMap());
        writeJson(out.resolve("modules.json"), JSON.readTree("""
                [
                  {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
                  {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
                  {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}
                ]"""));
        Files.createDirectories(out.resolve("1_Pooling"));
        writeJson(out.resolve("1_Pooling/config.json"), JSON.readTree("""
                {"word_embedding_dimension": 384, "pooling_mode_cls_token": false, "pooling_mode_mean_tokens": true,
                 "pooling_mode_max_tokens": false, "pooling_mode_mean_sqrt_len_tokens": false}"""));
        Files.createDirectories(out.resolve("2_Normalize"));
        writeJson(out.resolve("sentence_bert_config.json"), JSON.createObjectNode()
                .put("max_seq_length", MAX_SEQ_LENGTH).put("do_lower_case", false));
        writeJson(out.resolve("config_sentence_transformers.json"), JSON.readTree("""
                {"__version__": {"sentence_transformers": "2.0.0", "transformers": "4.6.1", "pytorch": "1.8.1"},
                 "prompts": {}, "default_prompt_name": null, "similarity_fn_name": "cosine"}"""));
        return weights;
    }

    /** BertModel's config as the hub has it: full attention in every layer, no attention_window. */
    public static ObjectNode config() {
        ObjectNode o = JSON.createObjectNode();
        o.put("_name_or_path", "sentence-transformers/all-MiniLM-L6-v2");
        o.putArray("architectures").add("BertModel");
        o.put("model_type", "bert");
        o.put("attention_probs_dropout_prob", 0.1);
        o.put("classifier_dropout", (String) null);
        o.put("gradient_checkpointing", false);
        o.put("hidden_act", "gelu");
        o.put("hidden_dropout_prob", 0.1);
        o.put("hidden_size", HIDDEN);
        o.put("initializer_range", 0.02);
        o.put("intermediate_size", 1536);
        o.put("layer_norm_eps", 1e-12);
        o.put("max_position_embeddings", MAX_POSITIONS);
        o.put("num_attention_heads", 12);
        o.put("num_hidden_layers", 6);
        o.put("pad_token_id", 0);
        o.put("position_embedding_type", "absolute");
        o.put("torch_dtype", "float32");
        o.put("type_vocab_size", 2);
        o.put("use_cache", true);
        o.put("vocab_size", 30522);
        return o;
    }

    /**
     * The shipped tokenizer.json without its fixed 128-token padding and with truncation at
     * sentence-transformers' {@value #MAX_SEQ_LENGTH} instead of 128 (the jar's file cuts every text
     * at 128 and pads every text to 128; a peer that read it as is would average pad states).
     * sentence-transformers sets truncation and padding on each call anyway.
     */
    public static byte[] tokenizerJson() throws IOException {
        ObjectNode root = (ObjectNode) JSON.readTree(MiniLmConverter.resource(MiniLmConverter.TOKENIZER_RESOURCE));
        root.putNull("padding");
        root.putObject("truncation").put("direction", "Right").put("max_length", MAX_SEQ_LENGTH)
                .put("strategy", "LongestFirst").put("stride", 0);
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
    }

    /** vocab.txt: the WordPiece vocabulary one token a line, line number = id. */
    static String vocabTxt(byte[] tokenizerJson) throws IOException {
        JsonNode vocab = JSON.readTree(tokenizerJson).path("model").path("vocab");
        String[] byId = new String[vocab.size()];
        for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            int id = e.getValue().asInt();
            if (id < 0 || id >= byId.length || byId[id] != null) {
                throw new CheckpointException("tokenizer vocabulary ids are not 0.." + (byId.length - 1) + " once each (at " + e.getKey() + ")");
            }
            byId[id] = e.getKey();
        }
        StringBuilder sb = new StringBuilder();
        for (String t : byId) {
            sb.append(t).append('\n');
        }
        return sb.toString();
    }

    private static ObjectNode tokenizerConfig() {
        ObjectNode o = JSON.createObjectNode();
        o.put("tokenizer_class", "BertTokenizer");
        o.put("do_lower_case", true);
        o.put("tokenize_chinese_chars", true);
        o.put("strip_accents", (String) null);
        o.put("model_max_length", MAX_POSITIONS);
        o.put("clean_up_tokenization_spaces", true);
        specials(o);
        return o;
    }

    private static ObjectNode specialTokensMap() {
        return specials(JSON.createObjectNode());
    }

    private static ObjectNode specials(ObjectNode o) {
        return o.put("unk_token", "[UNK]").put("sep_token", "[SEP]").put("pad_token", "[PAD]")
                .put("cls_token", "[CLS]").put("mask_token", "[MASK]");
    }

    private static void writeJson(Path file, JsonNode node) throws IOException {
        JSON.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), node);
    }
}
