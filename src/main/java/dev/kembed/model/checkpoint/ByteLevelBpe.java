package dev.kembed.model.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * RoBERTa/GPT-2 byte-level BPE: the byte-to-unicode alphabet, a {@code tokenizer.json} writer
 * (ByteLevel pre-tokenizer, BPE model, RobertaProcessing, ByteLevel decoder) and a small merge
 * trainer for generated checkpoints. DJL's own vocab.json + merges.txt fallback lacks the
 * pre-tokenizer and post-processor, which is wrong for Longformer.
 */
public final class ByteLevelBpe {
    /** GPT-2's pre-tokenization pattern. */
    static final Pattern GPT2_SPLIT = Pattern.compile(
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+");
    public static final List<String> SPECIALS = List.of("<s>", "<pad>", "</s>", "<unk>");
    public static final String MASK = "<mask>";

    private ByteLevelBpe() {}

    /** GPT-2's bytes_to_unicode(): printable bytes map to themselves, the rest to U+0100 onward. */
    public static char[] byteAlphabet() {
        char[] map = new char[256];
        boolean[] direct = new boolean[256];
        for (int b = '!'; b <= '~'; b++) {
            direct[b] = true;
        }
        for (int b = 0xA1; b <= 0xAC; b++) {
            direct[b] = true;
        }
        for (int b = 0xAE; b <= 0xFF; b++) {
            direct[b] = true;
        }
        int n = 0;
        for (int b = 0; b < 256; b++) {
            map[b] = direct[b] ? (char) b : (char) (256 + n++);
        }
        return map;
    }

    /** The tokenizer.json a RoBERTa-family model needs, from its vocabulary and merges. */
    public static String tokenizerJson(Map<String, Integer> vocab, List<String> merges) {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (String special : List.of("<s>", "<pad>", "</s>", "<unk>", MASK)) {
            Integer id = vocab.get(special);
            if (id == null) {
                continue;
            }
            ObjectNode t = added.addObject();
            t.put("id", id).put("content", special).put("single_word", false)
                    .put("lstrip", special.equals(MASK)).put("rstrip", false).put("normalized", false).put("special", true);
        }
        root.putNull("normalizer");
        root.putObject("pre_tokenizer").put("type", "ByteLevel").put("add_prefix_space", false)
                .put("trim_offsets", true).put("use_regex", true);
        ObjectNode post = root.putObject("post_processor");
        post.put("type", "RobertaProcessing");
        post.putArray("sep").add("</s>").add(id(vocab, "</s>"));
        post.putArray("cls").add("<s>").add(id(vocab, "<s>"));
        post.put("trim_offsets", true).put("add_prefix_space", false);
        root.putObject("decoder").put("type", "ByteLevel").put("add_prefix_space", true)
                .put("trim_offsets", true).put("use_regex", true);
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE").putNull("dropout");
        model.putNull("unk_token");
        model.put("continuing_subword_prefix", "").put("end_of_word_suffix", "").put("fuse_unk", false)
                .put("byte_fallback", false).put("ignore_merges", false);
        ObjectNode v = model.putObject("vocab");
        vocab.entrySet().stream().sorted(Map.Entry.comparingByValue()).forEach(e -> v.put(e.getKey(), e.getValue()));
        ArrayNode m = model.putArray("merges");
        merges.forEach(m::add);
        try {
            return json.writeValueAsString(root);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int id(Map<String, Integer> vocab, String token) {
        Integer id = vocab.get(token);
        if (id == null) {
            throw new IllegalArgumentException("vocabulary has no '" + token + "' token, which RoBERTa-style models need");
        }
        return id;
    }

    /** A vocabulary and merges learned from text. */
    public record Trained(Map<String, Integer> vocab, List<String> merges) {
        public String tokenizerJson() {
            return ByteLevelBpe.tokenizerJson(vocab, merges);
        }
    }

    /** Learns {@code numMerges} merges (the classic BPE loop) on byte-level words of {@code corpus}. */
    public static Trained train(String corpus, int numMerges) {
        char[] alphabet = byteAlphabet();
        Map<List<String>, Integer> words = new HashMap<>();
        Matcher m = GPT2_SPLIT.matcher(corpus);
        while (m.find()) {
            List<String> symbols = new ArrayList<>();
            for (byte b : m.group().getBytes(StandardCharsets.UTF_8)) {
                symbols.add(String.valueOf(alphabet[b & 0xff]));
            }
            words.merge(symbols, 1, Integer::sum);
        }
        Map<String, Integer> vocab = new LinkedHashMap<>();
        SPECIALS.forEach(s -> vocab.put(s, vocab.size()));
        for (int b = 0; b < 256; b++) {
            vocab.putIfAbsent(String.valueOf(alphabet[b]), vocab.size());
        }
        List<String> merges = new ArrayList<>();
        for (int step = 0; step < numMerges; step++) {
            Map<String, Integer> pairs = new HashMap<>();
            for (Map.Entry<List<String>, Integer> w : words.entrySet()) {
                List<String> s = w.getKey();
                for (int i = 0; i + 1 < s.size(); i++) {
                    pairs.merge(s.get(i) + " " + s.get(i + 1), w.getValue(), Integer::sum);
                }
            }
            String best = null;
            int bestCount = 1;
            for (Map.Entry<String, Integer> p : pairs.entrySet()) {
                if (p.getValue() > bestCount || (p.getValue() == bestCount && best != null && p.getKey().compareTo(best) < 0)) {
                    best = p.getKey();
                    bestCount = p.getValue();
                }
            }
            if (best == null) {
                break;
            }
            String[] ab = best.split(" ");
            String merged = ab[0] + ab[1];
            merges.add(best);
            vocab.putIfAbsent(merged, vocab.size());
            Map<List<String>, Integer> next = new HashMap<>();
            for (Map.Entry<List<String>, Integer> w : words.entrySet()) {
                List<String> s = w.getKey();
                List<String> out = new ArrayList<>(s.size());
                for (int i = 0; i < s.size(); i++) {
                    if (i + 1 < s.size() && s.get(i).equals(ab[0]) && s.get(i + 1).equals(ab[1])) {
                        out.add(merged);
                        i++;
                    } else {
                        out.add(s.get(i));
                    }
                }
                next.merge(out, w.getValue(), Integer::sum);
            }
            words = next;
        }
        vocab.put(MASK, vocab.size());
        return new Trained(vocab, merges);
    }
}
