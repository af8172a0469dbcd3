package dev.kembed.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kembed.embed.DocumentVector;
import dev.kembed.embed.QueryInput;
import java.util.List;

/**
 * {@code POST /embed}, text-embeddings-inference's route: {@code inputs} (a string or a list) and
 * {@link TeiOptions} ({@code truncate} false by default: a long input is windowed like a
 * document); answers {@code [[float]]}. Errors are TEI's {@code {"error", "error_type"}}.
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
        TeiOptions options = TeiOptions.read(body, api);
        ArrayNode out = QueryApi.JSON.createArrayNode();
        for (DocumentVector v : api.embedder().embed(inputs, options.normalize(), options.truncation(), options.promptName())) {
            ArrayNode row = out.addArray();
            for (float f : v.vector()) {
                row.add(f);
            }
        }
        return out;
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
