package dev.kembed.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kembed.embed.DocumentVector;
import dev.kembed.embed.QueryInput;
import java.util.List;

/**
 * {@code POST /embed}, text-embeddings-inference's route: {@code inputs} (a string or a list),
 * {@code normalize} (default true, as TEI), {@code truncate} (default false: a long input is
 * windowed like a document), {@code prompt_name}; answers {@code [[float]]}. Errors are TEI's
 * {@code {"error", "error_type"}}.
 */
final class TeiEmbedRoute implements JsonRoute {
    private final QueryApi api;

    TeiEmbedRoute(QueryApi api) {
        this.api = api;
    }

    @Override
    public String name() {
        return "embed";
    }

    @Override
    public int invalidStatus() {
        return 422;
    }

    @Override
    public JsonNode answer(JsonNode body) {
        if (!body.isObject()) {
            throw new ApiError(422, "invalid_request", "the body must be a JSON object with 'inputs'");
        }
        List<QueryInput> inputs = Inputs.read(body.get("inputs"), "inputs", false, api.settings(), 422);
        boolean normalize = flag(body, "normalize", true);
        boolean truncate = flag(body, "truncate", false);
        JsonNode prompt = body.get("prompt_name");
        String promptName = null;
        if (prompt != null && !prompt.isNull()) {
            if (!prompt.isTextual() || !api.embedder().prompts().containsKey(prompt.textValue())) {
                throw new ApiError(422, "unknown_prompt", "prompt_name " + prompt + " is not one of model " + api.modelName() + "'s prompts; "
                        + (api.embedder().prompts().isEmpty() ? "it declares none" : "allowed: "
                        + String.join(", ", new java.util.TreeSet<>(api.embedder().prompts().keySet()))) + " (GET /info lists them)", "prompt_name");
            }
            promptName = prompt.textValue();
        }
        ArrayNode out = QueryApi.JSON.createArrayNode();
        for (DocumentVector v : api.embedder().embed(inputs, normalize, truncate, promptName)) {
            ArrayNode row = out.addArray();
            for (float f : v.vector()) {
                row.add(f);
            }
        }
        return out;
    }

    private static boolean flag(JsonNode body, String field, boolean otherwise) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            return otherwise;
        }
        if (!n.isBoolean()) {
            throw new ApiError(422, "invalid_request", "'" + field + "' must be true or false, got " + n, field);
        }
        return n.booleanValue();
    }

    @Override
    public JsonNode errorBody(ApiError e) {
        ObjectNode o = QueryApi.JSON.createObjectNode();
        return o.put("error", e.getMessage()).put("error_type", errorType(e));
    }

    /** TEI's error types. */
    static String errorType(ApiError e) {
        return switch (e.status()) {
            case 401 -> "Unauthorized";
            case 429 -> "Overloaded";
            case 500, 503 -> "Backend";
            default -> e.code().equals("empty-text") || e.code().equals("blank-text") ? "Empty" : "Validation";
        };
    }
}
