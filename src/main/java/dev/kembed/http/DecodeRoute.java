package dev.kembed.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code POST /decode}, text-embeddings-inference's route: {@code ids} (token ids, or a list of
 * them) and {@code skip_special_tokens} (default true); answers one text per id list.
 */
final class DecodeRoute extends TeiRoute {
    DecodeRoute(QueryApi api) {
        super(api, "decode");
    }

    @Override
    public JsonNode answer(JsonNode body) {
        if (!body.isObject() || body.get("ids") == null || !body.get("ids").isArray() || body.get("ids").isEmpty()) {
            throw new ApiError(422, "invalid_request", "the body must be a JSON object with 'ids': a list of token ids or a list of them", "ids");
        }
        JsonNode ids = body.get("ids");
        List<JsonNode> lists = new ArrayList<>();
        if (ids.get(0).isArray()) {
            ids.forEach(lists::add);
        } else {
            lists.add(ids);
        }
        if (lists.size() > api.settings().maxInputs()) {
            throw new ApiError(413, "too_many_inputs", "'ids' has " + lists.size() + " lists; at most " + api.settings().maxInputs()
                    + " per request (kembed.http.max.inputs)", "ids");
        }
        JsonNode skip = body.get("skip_special_tokens");
        if (skip != null && !skip.isNull() && !skip.isBoolean()) {
            throw new ApiError(422, "invalid_request", "'skip_special_tokens' must be true or false, got " + skip, "skip_special_tokens");
        }
        boolean skipSpecial = skip == null || skip.isNull() || skip.booleanValue();
        int vocab = api.engine().vocabSize();
        ArrayNode out = QueryApi.JSON.createArrayNode();
        for (int l = 0; l < lists.size(); l++) {
            JsonNode list = lists.get(l);
            if (!list.isArray() || list.size() > api.settings().maxInputChars()) {
                throw new ApiError(list.isArray() ? 413 : 422, "invalid_input", "'ids[" + l + "]' must be a list of at most "
                        + api.settings().maxInputChars() + " token ids", "ids");
            }
            int[] tokens = new int[list.size()];
            for (int i = 0; i < tokens.length; i++) {
                JsonNode t = list.get(i);
                if (!t.isIntegralNumber() || !t.canConvertToInt() || t.intValue() < 0 || t.intValue() >= vocab) {
                    throw new ApiError(422, "invalid_input", "token id " + t + " is not in this model's vocabulary (0.." + (vocab - 1) + ")", "ids");
                }
                tokens[i] = t.intValue();
            }
            out.add(api.embedder().plan().tokenizer().decode(tokens, skipSpecial));
        }
        return out;
    }
}
