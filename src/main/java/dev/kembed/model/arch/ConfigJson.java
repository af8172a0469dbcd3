package dev.kembed.model.arch;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kembed.model.checkpoint.CheckpointException;
import dev.kembed.model.checkpoint.TokenizerSpecials;
import java.nio.file.Path;

/**
 * A {@code config.json} being read, with the reads every architecture needs: a field is read
 * explicitly and a missing one is an error naming the file, never a silent default (Longformer's
 * transformers defaults differ from longformer-base-4096's).
 */
public record ConfigJson(JsonNode root, Path file) {
    public JsonNode path(String key) {
        return root.path(key);
    }

    public JsonNode get(String key) {
        return root.get(key);
    }

    public boolean has(String key) {
        return root.has(key);
    }

    public int required(String key) {
        JsonNode n = root.get(key);
        if (n == null || !n.canConvertToInt()) {
            throw new CheckpointException(file + ": '" + key + "' is missing or not an integer");
        }
        return n.asInt();
    }

    /** A key in transformers' spelling, or the remote-code one. */
    public int either(String key, String remoteKey) {
        JsonNode n = root.has(key) ? root.get(key) : root.get(remoteKey);
        if (n == null || !n.canConvertToInt()) {
            throw new CheckpointException(file + ": '" + key + "' (or '" + remoteKey + "') is missing or not an integer");
        }
        return n.asInt();
    }

    /**
     * A special token's id: the config's key (or its alternative), else the tokenizer's own post-processor
     * in the same directory (NomicBERT configs leave bos/eos null), else the architecture's default.
     */
    public int special(String key, String alternative, int fallback, boolean first) {
        for (String k : alternative == null ? new String[] {key} : new String[] {key, alternative}) {
            JsonNode n = root.get(k);
            if (n != null && n.canConvertToInt()) {
                return n.asInt();
            }
        }
        Integer fromTokenizer = TokenizerSpecials.of(file.resolveSibling("tokenizer.json"), first);
        return fromTokenizer != null ? fromTokenizer : fallback;
    }

    /** Refuses a setting kembed does not compute, naming it and what is allowed. */
    public CheckpointException unsupported(String what, String allowed) {
        return new CheckpointException(file + ": " + what + " is not supported; allowed: " + allowed);
    }

    /** The same, for a setting this model type does not take. */
    public CheckpointException unsupported(String what, String modelType, String allowed) {
        return new CheckpointException(file + ": " + what + " is not supported for " + modelType + "; allowed: " + allowed);
    }
}
