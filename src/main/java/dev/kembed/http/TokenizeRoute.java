package dev.kembed.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kembed.embed.QueryEmbedder;
import dev.kembed.embed.QueryInput;
import dev.kembed.text.DocumentTokenizer;
import dev.kembed.text.TokenizedText;
import dev.kembed.text.WindowPlan;
import java.util.List;

/**
 * {@code POST /tokenize}, text-embeddings-inference's route: {@code inputs} (a string or a list),
 * {@code add_special_tokens} (default true), {@code prompt_name}; answers, per input, its tokens
 * as the model sees them: {@code {"id", "text", "special", "start", "stop"}}, with start and stop
 * in characters (Unicode code points) of the input. Prompt tokens come before the content, with
 * null offsets (they are not in the input); special tokens too.
 */
final class TokenizeRoute extends TeiRoute {
    TokenizeRoute(QueryApi api) {
        super(api, "tokenize");
    }

    @Override
    public JsonNode answer(JsonNode body) {
        object(body, "'inputs'");
        List<QueryInput> inputs = Inputs.read(body.get("inputs"), "inputs", false, api.settings(), 422);
        JsonNode special = body.get("add_special_tokens");
        if (special != null && !special.isNull() && !special.isBoolean()) {
            throw new ApiError(422, "invalid_request", "'add_special_tokens' must be true or false, got " + special, "add_special_tokens");
        }
        boolean specials = special == null || special.isNull() || special.booleanValue();
        TeiOptions options = TeiOptions.read(body, api);
        DocumentTokenizer tokenizer = api.embedder().plan().tokenizer();
        int bos = api.engine().bosTokenId();
        int eos = api.engine().eosTokenId();
        ArrayNode out = QueryApi.JSON.createArrayNode();
        for (QueryInput in : inputs) {
            WindowPlan.Planned p = api.embedder().plan(in, QueryEmbedder.Truncation.NONE, options.promptName());
            TokenizedText doc = p.doc();
            String text = doc.text();
            ArrayNode tokens = out.addArray();
            if (specials && bos >= 0) {
                token(tokens, bos, tokenizer.decode(new int[] {bos}, false), true, -1, -1);
            }
            for (int id : doc.prompt()) {
                token(tokens, id, tokenizer.decode(new int[] {id}, false), false, -1, -1);
            }
            for (int i = 0; i < doc.size(); i++) {
                int s = doc.charStart()[i];
                int e = doc.charEnd()[i];
                token(tokens, doc.ids()[i], text.substring(s, e), false, text.codePointCount(0, s), text.codePointCount(0, e));
            }
            if (specials && eos >= 0) {
                token(tokens, eos, tokenizer.decode(new int[] {eos}, false), true, -1, -1);
            }
        }
        return out;
    }

    private static void token(ArrayNode tokens, int id, String text, boolean special, int start, int stop) {
        ObjectNode t = tokens.addObject().put("id", id).put("text", text).put("special", special);
        if (start < 0) {
            t.putNull("start").putNull("stop");
        } else {
            t.put("start", start).put("stop", stop);
        }
    }
}
