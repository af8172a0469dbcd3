package dev.kembed.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kembed.embed.QueryEmbedder;

/**
 * The options of a text-embeddings-inference request: {@code normalize} (default true),
 * {@code truncate} (default false), {@code truncation_direction} ({@code Right}, the default:
 * the end of a long text is cut; {@code Left}: its start), {@code prompt_name}. Read from the body, or from its
 * {@code parameters} object: Hugging Face's {@code InferenceClient} sends them there when pointed at
 * a server's base URL, and TEI itself ignores them there; kembed honours them.
 */
record TeiOptions(boolean normalize, boolean truncate, boolean left, String promptName) {
    /** Where a long input is cut, if it is. */
    QueryEmbedder.Truncation truncation() {
        return !truncate ? QueryEmbedder.Truncation.NONE : left ? QueryEmbedder.Truncation.LEFT : QueryEmbedder.Truncation.RIGHT;
    }

    static TeiOptions read(JsonNode body, QueryApi api) {
        JsonNode params = body.get("parameters");
        if (params != null && !params.isNull() && !params.isObject()) {
            throw new ApiError(422, "invalid_request", "'parameters' must be an object, got " + params, "parameters");
        }
        boolean normalize = flag(body, params, "normalize", true);
        boolean truncate = flag(body, params, "truncate", false);
        JsonNode direction = field(body, params, "truncation_direction");
        if (direction != null && !(direction.isTextual() && (direction.textValue().equalsIgnoreCase("right")
                || direction.textValue().equalsIgnoreCase("left")))) {
            throw new ApiError(422, "invalid_request", "'truncation_direction' must be Right (cut the end, the default) or Left (cut the "
                    + "start), got " + direction, "truncation_direction");
        }
        boolean left = direction != null && direction.textValue().equalsIgnoreCase("left");
        JsonNode prompt = field(body, params, "prompt_name");
        String promptName = null;
        if (prompt != null) {
            if (!prompt.isTextual() || !api.embedder().prompts().containsKey(prompt.textValue())) {
                throw new ApiError(422, "unknown_prompt", "prompt_name " + prompt + " is not one of model " + api.modelName() + "'s prompts; "
                        + (api.embedder().prompts().isEmpty() ? "it declares none" : "allowed: "
                        + String.join(", ", new java.util.TreeSet<>(api.embedder().prompts().keySet()))) + " (GET /info lists them)", "prompt_name");
            }
            promptName = prompt.textValue();
        }
        return new TeiOptions(normalize, truncate, left, promptName);
    }

    /** The field from the body, else from {@code parameters}; null when neither sets it (or it is null). */
    private static JsonNode field(JsonNode body, JsonNode params, String name) {
        JsonNode n = body.get(name);
        if ((n == null || n.isNull()) && params != null && params.isObject()) {
            n = params.get(name);
        }
        return n == null || n.isNull() ? null : n;
    }

    private static boolean flag(JsonNode body, JsonNode params, String name, boolean otherwise) {
        JsonNode n = field(body, params, name);
        if (n == null) {
            return otherwise;
        }
        if (!n.isBoolean()) {
            throw new ApiError(422, "invalid_request", "'" + name + "' must be true or false, got " + n, name);
        }
        return n.booleanValue();
    }
}
