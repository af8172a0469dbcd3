package dev.kembed.model.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The ids of the tokens a tokenizer puts around a single sequence ({@code [CLS]}/{@code <s>} first,
 * {@code [SEP]}/{@code </s>} last), read from {@code tokenizer.json}'s post-processor: for configs
 * that leave {@code bos_token_id}/{@code eos_token_id} null (NomicBERT).
 */
public final class TokenizerSpecials {
    private TokenizerSpecials() {}

    /** The first (or last) special token's id, or null when the file or its post-processor does not say. */
    public static Integer of(Path tokenizerJson, boolean first) {
        if (!Files.isRegularFile(tokenizerJson)) {
            return null;
        }
        JsonNode pp;
        try {
            pp = new ObjectMapper().readTree(tokenizerJson.toFile()).path("post_processor");
        } catch (IOException e) {
            return null;
        }
        switch (pp.path("type").asText("")) {
            case "RobertaProcessing", "BertProcessing" -> {
                JsonNode pair = pp.path(first ? "cls" : "sep");
                return pair.isArray() && pair.size() == 2 ? pair.get(1).asInt() : null;
            }
            case "TemplateProcessing" -> {
                JsonNode single = pp.path("single");
                for (int i = 0; i < single.size(); i++) {
                    JsonNode item = single.get(first ? i : single.size() - 1 - i);
                    if (item.has("SpecialToken")) {
                        JsonNode ids = pp.path("special_tokens").path(item.get("SpecialToken").path("id").asText()).path("ids");
                        return ids.isArray() && ids.size() > 0 ? ids.get(0).asInt() : null;
                    }
                    if (item.has("Sequence")) {
                        return null;
                    }
                }
                return null;
            }
            default -> {
                return null;
            }
        }
    }
}
