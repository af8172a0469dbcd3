package dev.kembed.text;

import dev.kembed.model.checkpoint.ByteLevelBpe;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.CharSpan;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The model's Hugging Face tokenizer, used once per document without truncation or special
 * tokens (kembed adds {@code <s>}/{@code </s>} per window itself). Truncation is switched off
 * explicitly because DJL otherwise caps every encoding at 512 tokens without an error.
 */
public final class DocumentTokenizer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HuggingFaceTokenizer tokenizer;
    private final int vocabSize;

    private DocumentTokenizer(HuggingFaceTokenizer tokenizer, int vocabSize) {
        this.tokenizer = tokenizer;
        this.vocabSize = vocabSize;
    }

    /**
     * Opens {@code tokenizer.json}, or builds a byte-level BPE one from {@code vocab.json} +
     * {@code merges.txt}, and checks that every token id fits the embedding table.
     */
    public static DocumentTokenizer open(Path modelDir, int embeddingRows) {
        byte[] json = tokenizerJson(modelDir);
        int size = vocabSize(json, modelDir);
        if (size > embeddingRows) {
            throw new IllegalArgumentException(modelDir + ": the tokenizer has " + size + " token ids but"
                    + " embeddings.word_embeddings.weight has only " + embeddingRows + " rows (vocab_size in config.json):"
                    + " tokenizer and weights do not belong together");
        }
        Map<String, String> options = new LinkedHashMap<>();
        options.put("addSpecialTokens", "false");
        options.put("truncation", "false");
        options.put("padding", "false");
        options.put("modelMaxLength", Integer.toString(Integer.MAX_VALUE));
        try {
            return new DocumentTokenizer(HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(json), options), size);
        } catch (IOException e) {
            throw new UncheckedIOException(modelDir + ": cannot load the tokenizer: " + e.getMessage(), e);
        }
    }

    static byte[] tokenizerJson(Path dir) {
        try {
            Path file = dir.resolve("tokenizer.json");
            if (Files.isRegularFile(file)) {
                return Files.readAllBytes(file);
            }
            Path vocab = dir.resolve("vocab.json");
            Path merges = dir.resolve("merges.txt");
            if (Files.isRegularFile(vocab) && Files.isRegularFile(merges)) {
                Map<String, Integer> v = new LinkedHashMap<>();
                for (Iterator<Map.Entry<String, JsonNode>> it = JSON.readTree(vocab.toFile()).fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    v.put(e.getKey(), e.getValue().asInt());
                }
                List<String> m = new ArrayList<>();
                for (String line : Files.readAllLines(merges, StandardCharsets.UTF_8)) {
                    if (!line.isBlank() && !line.startsWith("#version")) {
                        m.add(line);
                    }
                }
                return ByteLevelBpe.tokenizerJson(v, m).getBytes(StandardCharsets.UTF_8);
            }
            throw new IllegalArgumentException(dir + ": no tokenizer found; expected tokenizer.json, or vocab.json + merges.txt");
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot read the tokenizer files: " + e.getMessage(), e);
        }
    }

    private static int vocabSize(byte[] json, Path dir) {
        try {
            JsonNode root = JSON.readTree(json);
            int max = -1;
            JsonNode vocab = root.path("model").path("vocab");
            if (vocab.isObject()) {
                for (JsonNode id : (Iterable<JsonNode>) vocab::elements) {
                    max = Math.max(max, id.asInt());
                }
            } else if (vocab.isArray()) { // Unigram: [[piece, score], ...]
                max = vocab.size() - 1;
            }
            for (JsonNode t : root.path("added_tokens")) {
                max = Math.max(max, t.path("id").asInt());
            }
            return max + 1;
        } catch (IOException e) {
            throw new IllegalArgumentException(dir + ": tokenizer.json is not valid JSON: " + e.getMessage(), e);
        }
    }

    public int vocabSize() {
        return vocabSize;
    }

    /** Content tokens of {@code text} with Java-char spans. */
    public TokenizedText tokenize(String text) {
        DocumentText.check(text);
        Encoding enc = tokenizer.encode(text, false, false);
        long[] ids = enc.getIds();
        if (ids.length == 0) {
            throw new BadInputException("no-tokens", "the tokenizer produced no tokens for this text");
        }
        CharSpan[] spans = enc.getCharTokenSpans();
        int[] cpToChar = codePointToCharOffsets(text);
        int n = ids.length;
        int[] idArr = new int[n];
        int[] start = new int[n];
        int[] end = new int[n];
        for (int i = 0; i < n; i++) {
            idArr[i] = Math.toIntExact(ids[i]);
            CharSpan s = spans[i];
            if (s == null) {
                start[i] = i > 0 ? end[i - 1] : 0;
                end[i] = start[i];
            } else {
                start[i] = cpToChar[Math.min(s.getStart(), cpToChar.length - 1)];
                end[i] = cpToChar[Math.min(s.getEnd(), cpToChar.length - 1)];
            }
        }
        return new TokenizedText(text, idArr, enc.getTokens(), start, end);
    }

    /** DJL reports spans in code points; an emoji is two Java chars. */
    static int[] codePointToCharOffsets(String text) {
        int cps = text.codePointCount(0, text.length());
        int[] map = new int[cps + 1];
        int c = 0;
        for (int i = 0; i < cps; i++) {
            map[i] = c;
            c += Character.charCount(text.codePointAt(c));
        }
        map[cps] = text.length();
        return map;
    }

    /** Text of the given ids, special tokens dropped (what a window "says"). */
    public String decode(int[] ids) {
        return decode(ids, true);
    }

    /** Text of the given ids, with or without the special tokens ({@code <s>}, {@code [CLS]}, …). */
    public String decode(int[] ids, boolean skipSpecialTokens) {
        long[] l = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            l[i] = ids[i];
        }
        return tokenizer.decode(l, skipSpecialTokens);
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
