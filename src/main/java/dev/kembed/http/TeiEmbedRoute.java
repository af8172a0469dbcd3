package dev.kembed.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.kembed.embed.DocumentVector;
import dev.kembed.embed.QueryInput;
import java.util.List;

/**
 * {@code POST /embed}, text-embeddings-inference's route: {@code inputs} (a string or a list) and
 * {@link TeiOptions} ({@code truncate} false by default: a long input is windowed like a
 * document); answers {@code [[float]]}. Errors are TEI's {@code {"error", "error_type"}}.
 */
final class TeiEmbedRoute extends TeiRoute {
    TeiEmbedRoute(QueryApi api) {
        super(api, "embed");
    }

    @Override
    public JsonNode answer(JsonNode body) {
        object(body, "'inputs'");
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

}
