package dev.kembed.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kembed.cli.KembedCli;
import dev.kembed.model.checkpoint.SafetensorsFile;
import dev.kembed.model.recipe.MiniLmConverter;
import dev.kembed.model.recipe.SentenceTransformersMiniLm;
import dev.kembed.testing.Sentences;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kembed model minilm}: all-MiniLM-L6-v2 written as the hub's sentence-transformers directory
 * (plain BERT, 512 positions, mean + normalize, 256-token limit). That sentence-transformers itself
 * loads it and agrees with the jar's ONNX is checked by scripts/ (Python), not here.
 */
class SentenceTransformersMiniLmTest {
    @TempDir
    static Path tmp;

    static Path dir;
    static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void write() throws IOException {
        dir = tmp.resolve("all-MiniLM-L6-v2");
        SentenceTransformersMiniLm.write(dir);
    }

    @Test
    void theDirectoryHasEverySentenceTransformersFile() {
        for (String f : List.of("config.json", "model.safetensors", "tokenizer.json", "vocab.txt", "tokenizer_config.json",
                "special_tokens_map.json", "modules.json", "1_Pooling/config.json", "sentence_bert_config.json",
                "config_sentence_transformers.json")) {
            assertThat(dir.resolve(f)).as(f).isRegularFile();
        }
        assertThat(dir.resolve("2_Normalize")).isDirectory();
    }

    @Test
    void configIsPlainBertWithFullAttention() throws IOException {
        JsonNode c = JSON.readTree(dir.resolve("config.json").toFile());
        assertThat(c.path("model_type").asText()).isEqualTo("bert");
        assertThat(c.path("architectures").get(0).asText()).isEqualTo("BertModel");
        assertThat(c.has("attention_window")).isFalse();
        assertThat(c.path("hidden_size").asInt()).isEqualTo(384);
        assertThat(c.path("num_hidden_layers").asInt()).isEqualTo(6);
        assertThat(c.path("num_attention_heads").asInt()).isEqualTo(12);
        assertThat(c.path("intermediate_size").asInt()).isEqualTo(1536);
        assertThat(c.path("vocab_size").asInt()).isEqualTo(30522);
        assertThat(c.path("max_position_embeddings").asInt()).isEqualTo(512);
        assertThat(c.path("type_vocab_size").asInt()).isEqualTo(2);
        assertThat(c.path("layer_norm_eps").asDouble()).isEqualTo(1e-12);
        assertThat(c.path("pad_token_id").asInt()).isZero();
        assertThat(c.path("hidden_act").asText()).isEqualTo("gelu");
    }

    @Test
    void sentenceTransformersModulesAreTransformerMeanPoolingNormalize() throws IOException {
        JsonNode modules = JSON.readTree(dir.resolve("modules.json").toFile());
        assertThat(modules).hasSize(3);
        assertThat(modules.get(0).path("type").asText()).isEqualTo("sentence_transformers.models.Transformer");
        assertThat(modules.get(1).path("type").asText()).isEqualTo("sentence_transformers.models.Pooling");
        assertThat(modules.get(1).path("path").asText()).isEqualTo("1_Pooling");
        assertThat(modules.get(2).path("type").asText()).isEqualTo("sentence_transformers.models.Normalize");
        JsonNode pooling = JSON.readTree(dir.resolve("1_Pooling/config.json").toFile());
        assertThat(pooling.path("word_embedding_dimension").asInt()).isEqualTo(384);
        assertThat(pooling.path("pooling_mode_mean_tokens").asBoolean()).isTrue();
        assertThat(pooling.path("pooling_mode_cls_token").asBoolean()).isFalse();
        assertThat(pooling.path("pooling_mode_max_tokens").asBoolean()).isFalse();
        JsonNode st = JSON.readTree(dir.resolve("sentence_bert_config.json").toFile());
        assertThat(st.path("max_seq_length").asInt()).isEqualTo(256);
        assertThat(st.path("do_lower_case").asBoolean()).isFalse();
    }

    @Test
    void tensorsHaveBertNamesAndShapes() {
        Map<String, SafetensorsFile.Entry> t = SafetensorsFile.read(dir.resolve("model.safetensors"));
        assertThat(shape(t, "embeddings.word_embeddings.weight")).containsExactly(30522, 384);
        assertThat(shape(t, "embeddings.position_embeddings.weight")).containsExactly(512, 384);
        assertThat(shape(t, "embeddings.token_type_embeddings.weight")).containsExactly(2, 384);
        assertThat(shape(t, "embeddings.LayerNorm.weight")).containsExactly(384);
        assertThat(shape(t, "embeddings.LayerNorm.bias")).containsExactly(384);
        for (int l = 0; l < 6; l++) {
            String p = "encoder.layer." + l + ".";
            for (String qkv : List.of("query", "key", "value")) {
                assertThat(shape(t, p + "attention.self." + qkv + ".weight")).containsExactly(384, 384);
                assertThat(shape(t, p + "attention.self." + qkv + ".bias")).containsExactly(384);
            }
            assertThat(shape(t, p + "attention.output.dense.weight")).containsExactly(384, 384);
            assertThat(shape(t, p + "attention.output.LayerNorm.weight")).containsExactly(384);
            assertThat(shape(t, p + "intermediate.dense.weight")).containsExactly(1536, 384);
            assertThat(shape(t, p + "intermediate.dense.bias")).containsExactly(1536);
            assertThat(shape(t, p + "output.dense.weight")).containsExactly(384, 1536);
            assertThat(shape(t, p + "output.dense.bias")).containsExactly(384);
            assertThat(shape(t, p + "output.LayerNorm.bias")).containsExactly(384);
        }
        assertThat(t.values()).allSatisfy(e -> assertThat(e.dtype()).isEqualTo("F32"));
    }

    @Test
    void tokenizerGivesTheJarsIdsWithoutTheCutAt128() throws IOException {
        JsonNode tok = JSON.readTree(dir.resolve("tokenizer.json").toFile());
        assertThat(tok.get("padding").isNull()).isTrue();
        assertThat(tok.path("truncation").path("max_length").asInt()).isEqualTo(256);

        String longText = String.join(" ", Sentences.VARIED);
        List<String> texts = new ArrayList<>(List.of("Hello, world!", "Kafka Streams embeds documents one window at a time.",
                "naïve café résumé — 東京 🙂"));
        texts.add(longText);
        byte[] jarJson = MiniLmConverter.resource(MiniLmConverter.TOKENIZER_RESOURCE);
        try (HuggingFaceTokenizer jar = open(jarJson); HuggingFaceTokenizer written = open(Files.readAllBytes(dir.resolve("tokenizer.json")))) {
            for (String text : texts) {
                long[] expected = jar.encode(text).getIds();
                long[] actual = written.encode(text).getIds();
                assertThat(actual).as(text).containsExactly(expected);
                assertThat(actual[0]).isEqualTo(101);
                assertThat(actual[actual.length - 1]).isEqualTo(102);
            }
            assertThat(written.encode(longText).getIds().length).as("the long text is past the jar's 128 cut").isGreaterThan(128);
        }
        List<String> vocab = Files.readAllLines(dir.resolve("vocab.txt"), StandardCharsets.UTF_8);
        assertThat(vocab).hasSize(30522);
        assertThat(vocab.get(0)).isEqualTo("[PAD]");
        assertThat(vocab.get(101)).isEqualTo("[CLS]");
        assertThat(vocab.get(102)).isEqualTo("[SEP]");
    }

    /**
     * The ids sentence-transformers fed the model for the parity fixture (made by
     * fixtures/make_minilm_st_reference.py) are the written tokenizer's, cut as ST cuts at 256:
     * the first 255 ids and [SEP].
     */
    @Test
    void tokenIdsMatchTheSentenceTransformersReference() throws IOException {
        JsonNode ref;
        try (InputStream in = getClass().getResourceAsStream("/fixtures/minilm-st/reference.json")) {
            assertThat(in).as("fixtures/minilm-st/reference.json").isNotNull();
            ref = JSON.readTree(in);
        }
        assertThat(ref.path("max_seq_length").asInt()).isEqualTo(SentenceTransformersMiniLm.MAX_SEQ_LENGTH);
        assertThat(ref.path("items").size()).isGreaterThanOrEqualTo(20);
        int truncated = 0;
        try (HuggingFaceTokenizer written = open(Files.readAllBytes(dir.resolve("tokenizer.json")))) {
            for (JsonNode item : ref.path("items")) {
                long[] full = written.encode(item.path("text").asText()).getIds();
                long[] expected = full;
                if (full.length > SentenceTransformersMiniLm.MAX_SEQ_LENGTH) {
                    expected = java.util.Arrays.copyOf(full, SentenceTransformersMiniLm.MAX_SEQ_LENGTH);
                    expected[expected.length - 1] = 102;
                    truncated++;
                }
                long[] actual = new long[item.path("token_ids").size()];
                for (int i = 0; i < actual.length; i++) {
                    actual[i] = item.path("token_ids").get(i).asLong();
                }
                assertThat(actual).as(item.path("id").asText()).containsExactly(expected);
                assertThat(item.path("untruncated_length").asInt()).isEqualTo(full.length);
                assertThat(item.path("vector").size()).isEqualTo(SentenceTransformersMiniLm.HIDDEN);
            }
        }
        assertThat(truncated).as("items past max_seq_length").isGreaterThanOrEqualTo(1);
    }

    /** Both files read with the file's own padding and truncation switched off. */
    private static HuggingFaceTokenizer open(byte[] json) throws IOException {
        try (InputStream in = new ByteArrayInputStream(json)) {
            return HuggingFaceTokenizer.newInstance(in, Map.of("truncation", "false", "padding", "false",
                    "modelMaxLength", Integer.toString(Integer.MAX_VALUE)));
        }
    }

    private static int[] shape(Map<String, SafetensorsFile.Entry> t, String name) {
        assertThat(t).as(name).containsKey(name);
        return t.get(name).shape();
    }

    /**
     * The real all-MiniLM-L6-v2, as {@code kembed model minilm} writes it, through {@code kembed embed}:
     * every text within max_seq_length equals sentence-transformers' own encode() (the fixture) to
     * 1e-5; a longer text, which sentence-transformers cuts at 256 tokens, is embedded whole in
     * several windows instead.
     */
    @Test
    void kembedEmbedEqualsSentenceTransformersEncode() throws Exception {
        JsonNode ref;
        try (InputStream in = getClass().getResourceAsStream("/fixtures/minilm-st/reference.json")) {
            ref = JSON.readTree(in);
        }
        List<String> lines = new ArrayList<>();
        for (JsonNode item : ref.path("items")) {
            lines.add(JSON.writeValueAsString(Map.of("id", item.path("id").asText(), "text", item.path("text").asText())));
        }
        Path in = tmp.resolve("minilm-in.jsonl");
        Path out = tmp.resolve("minilm-out.jsonl");
        Files.write(in, lines);
        assertThat(KembedCli.execute("embed", "--model", dir.toString(), "--threads", "2", "--input", in.toString(), "--output", out.toString()))
                .isZero();
        List<String> got = Files.readAllLines(out);
        assertThat(got).hasSize(lines.size());
        double worst = 0;
        int compared = 0;
        int cut = 0;
        for (int i = 0; i < got.size(); i++) {
            JsonNode line = JSON.readTree(got.get(i));
            JsonNode item = ref.path("items").get(i);
            if (item.path("truncated").asBoolean()) {
                assertThat(line.path("windows").asInt()).as("%s is embedded whole", item.path("id").asText()).isGreaterThan(1);
                cut++;
                continue;
            }
            JsonNode want = item.path("vector");
            for (int c = 0; c < want.size(); c++) {
                worst = Math.max(worst, Math.abs(line.path("embedding").get(c).asDouble() - want.get(c).asDouble()));
            }
            compared++;
        }
        System.out.printf("all-MiniLM-L6-v2 vs sentence-transformers encode(): %d texts, max abs %.3g (%d longer texts embedded whole)%n",
                compared, worst, cut);
        assertThat(compared).isGreaterThanOrEqualTo(15);
        assertThat(cut).isPositive();
        assertThat(worst).isLessThanOrEqualTo(1e-5);
    }
}
