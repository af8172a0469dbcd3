package dev.kembed.model.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a sentence-transformers model directory says about turning token states into a vector, read
 * as sentence-transformers reads it: {@code modules.json} (the legacy {@code sentence_transformers.models.X}
 * type names and the newer module paths), {@code 1_Pooling/config.json} (the legacy
 * {@code pooling_mode_*} booleans or {@code pooling_mode}), a Normalize module, the prompts of
 * {@code config_sentence_transformers.json}, and {@code max_seq_length} of
 * {@code sentence_bert_config.json}. Modules kembed does not compute (Dense, Router, anything
 * unknown) and poolings other than cls and mean are refused by name, never skipped.
 *
 * @param pooling           {@code cls} or {@code mean}
 * @param includePrompt     mean pooling counts the prompt's tokens (sentence-transformers' default)
 * @param normalize         a Normalize module follows the pooling
 * @param maxSeqLength      tokens per sequence, specials included, or 0 when the directory does not say
 * @param prompts           prompt name to prefix text
 * @param defaultPromptName the prompt used when none is named, or null
 */
public record SentenceTransformersConfig(String pooling, boolean includePrompt, boolean normalize, int maxSeqLength,
        Map<String, String> prompts, String defaultPromptName) {

    /** The directory's configuration, or null when it is not a sentence-transformers directory (no modules.json). */
    public static SentenceTransformersConfig read(Path dir) {
        Path modules = dir.resolve("modules.json");
        if (!Files.isRegularFile(modules)) {
            return null;
        }
        ObjectMapper json = new ObjectMapper();
        JsonNode list = tree(json, modules);
        if (!list.isArray()) {
            throw new CheckpointException(modules + ": expected a list of modules");
        }
        String pooling = null;
        boolean includePrompt = true;
        boolean normalize = false;
        List<String> order = new ArrayList<>();
        for (JsonNode m : list) {
            String type = m.path("type").asText("");
            String kind = type.substring(type.lastIndexOf('.') + 1);
            order.add(kind);
            switch (kind) {
                case "Transformer" -> {
                    if (!m.path("path").asText("").isEmpty()) {
                        throw new CheckpointException(modules + ": the Transformer module lives in '" + m.path("path").asText()
                                + "'; kembed reads the model from the directory itself (path \"\")");
                    }
                }
                case "Pooling" -> {
                    Path config = dir.resolve(m.path("path").asText("1_Pooling")).resolve("config.json");
                    JsonNode p = tree(json, config);
                    pooling = poolingMode(p, config);
                    includePrompt = p.path("include_prompt").asBoolean(true);
                }
                case "Normalize" -> normalize = true;
                default -> throw new CheckpointException(modules + ": module " + type + " is not supported (kembed computes "
                        + "Transformer, Pooling with cls or mean, and Normalize); its output would differ from sentence-transformers'");
            }
        }
        if (order.isEmpty() || !order.get(0).equals("Transformer") || pooling == null) {
            throw new CheckpointException(modules + ": expected a Transformer module, then Pooling (and Normalize); found " + order);
        }
        Map<String, String> prompts = new LinkedHashMap<>();
        String defaultPrompt = null;
        Path st = dir.resolve("config_sentence_transformers.json");
        if (Files.isRegularFile(st)) {
            JsonNode c = tree(json, st);
            c.path("prompts").fields().forEachRemaining(e -> prompts.put(e.getKey(), e.getValue().asText()));
            JsonNode d = c.get("default_prompt_name");
            defaultPrompt = d == null || d.isNull() ? null : d.asText();
            if (defaultPrompt != null && !prompts.containsKey(defaultPrompt)) {
                throw new CheckpointException(st + ": default_prompt_name '" + defaultPrompt + "' is not one of its prompts " + prompts.keySet());
            }
        }
        Path sb = dir.resolve("sentence_bert_config.json");
        int maxSeq = Files.isRegularFile(sb) ? tree(json, sb).path("max_seq_length").asInt(0) : 0;
        return new SentenceTransformersConfig(pooling, includePrompt, normalize, maxSeq, Map.copyOf(prompts), defaultPrompt);
    }

    private static String poolingMode(JsonNode p, Path config) {
        if (p.has("pooling_mode")) {
            String mode = p.get("pooling_mode").asText();
            return switch (mode) {
                case "cls", "mean" -> mode;
                case "lasttoken" -> "last";
                default -> throw new CheckpointException(config + ": pooling_mode '" + mode + "' is not supported; allowed: cls, mean, lasttoken");
            };
        }
        List<String> on = new ArrayList<>();
        p.fields().forEachRemaining(e -> {
            if (e.getKey().startsWith("pooling_mode_") && e.getValue().asBoolean(false)) {
                on.add(e.getKey());
            }
        });
        if (on.equals(List.of("pooling_mode_cls_token"))) {
            return "cls";
        }
        if (on.equals(List.of("pooling_mode_mean_tokens"))) {
            return "mean";
        }
        if (on.equals(List.of("pooling_mode_lasttoken"))) {
            return "last";
        }
        throw new CheckpointException(config + ": pooling " + on + " is not supported; allowed: pooling_mode_cls_token or "
                + "pooling_mode_mean_tokens or pooling_mode_lasttoken alone");
    }

    private static JsonNode tree(ObjectMapper json, Path file) {
        if (!Files.isRegularFile(file)) {
            throw new CheckpointException(file + ": missing");
        }
        try {
            return json.readTree(file.toFile());
        } catch (IOException e) {
            throw new CheckpointException(file + ": not valid JSON: " + e.getMessage(), e);
        }
    }

    /** The prompt text for {@code name} (null = the default prompt, or none). */
    public String prompt(String name) {
        String n = name != null ? name : defaultPromptName;
        if (n == null) {
            return "";
        }
        String p = prompts.get(n);
        if (p == null) {
            throw new IllegalArgumentException("prompt name '" + n + "' is not one of the model's prompts; allowed: " + String.join(", ", prompts.keySet()));
        }
        return p;
    }
}
