package dev.kembed.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kembed.embed.QueryInput;
import java.util.ArrayList;
import java.util.List;

/**
 * A request's inputs: a string, a list of strings, or (where the route takes them) token-id
 * arrays of the model's own vocabulary. Count and size limits are checked here, before any work.
 */
final class Inputs {
    private Inputs() {}

    /**
     * @param invalid the route's status for an input of the wrong shape
     * @param ids     whether token-id arrays are accepted ({@code [1, 2]} is one input, {@code [[1], [2]]} two)
     */
    static List<QueryInput> read(JsonNode node, String field, boolean ids, HttpSettings limits, int invalid) {
        String shapes = ids ? "a string, a list of strings, a list of token ids or a list of token-id lists" : "a string or a list of strings";
        if (node == null || node.isNull()) {
            throw new ApiError(invalid, "missing_input", "'" + field + "' is required: " + shapes, field);
        }
        List<QueryInput> out = new ArrayList<>();
        if (node.isTextual()) {
            out.add(QueryInput.text(node.textValue()));
        } else if (node.isArray() && !node.isEmpty()) {
            if (ids && node.get(0).isIntegralNumber()) {
                out.add(QueryInput.ids(tokenIds(node, field, invalid)));
            } else {
                checkCount(node.size(), field, limits);
                for (int i = 0; i < node.size(); i++) {
                    JsonNode e = node.get(i);
                    if (e.isTextual()) {
                        out.add(QueryInput.text(e.textValue()));
                    } else if (ids && e.isArray() && !e.isEmpty()) {
                        out.add(QueryInput.ids(tokenIds(e, field + "[" + i + "]", invalid)));
                    } else {
                        throw new ApiError(invalid, "invalid_input", "'" + field + "[" + i + "]' is " + e.getNodeType().name().toLowerCase()
                                + "; each element must be " + (ids ? "a string or a non-empty list of token ids" : "a string"), field);
                    }
                }
            }
        } else {
            throw new ApiError(invalid, "invalid_input", "'" + field + "' must be " + shapes + (node.isArray() ? " (it is empty)" : ""), field);
        }
        checkCount(out.size(), field, limits);
        for (int i = 0; i < out.size(); i++) {
            QueryInput in = out.get(i);
            int size = in.text() != null ? in.text().length() : in.ids().length;
            if (size > limits.maxInputChars()) {
                throw new ApiError(413, "input_too_long", "'" + field + "'" + (out.size() > 1 ? "[" + i + "]" : "") + " has " + size
                        + (in.text() != null ? " characters" : " token ids") + "; at most " + limits.maxInputChars()
                        + " per input (kembed.input.max.chars)", field);
            }
        }
        return out;
    }

    private static void checkCount(int n, String field, HttpSettings limits) {
        if (n > limits.maxInputs()) {
            throw new ApiError(413, "too_many_inputs", "'" + field + "' has " + n + " inputs; at most " + limits.maxInputs()
                    + " per request (kembed.http.max.inputs)", field);
        }
    }

    private static int[] tokenIds(JsonNode array, String field, int invalid) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode t = array.get(i);
            if (!t.isIntegralNumber() || !t.canConvertToInt()) {
                throw new ApiError(invalid, "invalid_input", "'" + field + "' element " + i + " is " + t + "; token ids are integers", field);
            }
            out[i] = t.intValue();
        }
        return out;
    }
}
