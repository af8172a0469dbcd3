package dev.kembed.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.kembed.embed.QueryInput;
import java.util.List;

/**
 * {@code POST /embed_all}, text-embeddings-inference's route: every token's last hidden state,
 * {@code [[[float]]]} (input, token, dimension), one window per input (specials and prompt
 * included, as the model sees them; a longer input needs {@code truncate}). Token states are
 * large, so a request is bounded: at most {@link #MAX_FLOATS} floats in all, else 413.
 */
final class EmbedAllRoute extends TeiRoute {
    /** 4M floats: about 50 MB of JSON, the most one answer may be. */
    static final long MAX_FLOATS = 1L << 22;

    EmbedAllRoute(QueryApi api) {
        super(api, "embed_all");
    }

    @Override
    public JsonNode answer(JsonNode body) {
        object(body, "'inputs'");
        List<QueryInput> inputs = Inputs.read(body.get("inputs"), "inputs", false, api.settings(), 422);
        TeiOptions options = TeiOptions.read(body, api);
        long floats = 0;
        for (QueryInput in : inputs) {
            floats += (long) api.embedder().plan(in, options.truncation(), options.promptName()).windows().get(0).length() * api.engine().dimension();
        }
        if (floats > MAX_FLOATS) {
            throw new ApiError(413, "payload_too_large", "the token states asked for are " + floats + " floats; at most " + MAX_FLOATS
                    + " per request: send fewer or shorter inputs", "inputs");
        }
        ArrayNode out = QueryApi.JSON.createArrayNode();
        for (float[][] states : api.embedder().tokenStates(inputs, options.truncation(), options.promptName())) {
            ArrayNode input = out.addArray();
            for (float[] token : states) {
                ArrayNode row = input.addArray();
                for (float f : token) {
                    row.add(f);
                }
            }
        }
        return out;
    }
}
