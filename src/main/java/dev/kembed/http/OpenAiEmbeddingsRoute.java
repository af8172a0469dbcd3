package dev.kembed.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kembed.embed.DocumentVector;
import dev.kembed.embed.QueryInput;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.List;

/**
 * {@code POST /v1/embeddings}, OpenAI's route: {@code input} (a string, a list of strings, token
 * ids or lists of token ids; ids are this model's vocabulary, without special tokens),
 * {@code model} (must name the served model), {@code encoding_format} ({@code float} or
 * {@code base64}: little-endian float32), {@code dimensions} (the first d dimensions,
 * renormalized, as OpenAI shortens its own; meaningful for Matryoshka-trained models, 1 ≤ d ≤
 * the model's dimension). Vectors are unit length whatever {@code kembed.normalize} says, as
 * OpenAI's and text-embeddings-inference's {@code /v1/embeddings} are: the frameworks that call
 * this route rank by dot product. Errors are OpenAI's {@code {"error": {"message", "type",
 * "param", "code"}}}.
 */
final class OpenAiEmbeddingsRoute implements JsonRoute {
    private final QueryApi api;

    OpenAiEmbeddingsRoute(QueryApi api) {
        this.api = api;
    }

    @Override
    public String name() {
        return "v1/embeddings";
    }

    @Override
    public int invalidStatus() {
        return 400;
    }

    @Override
    public JsonNode answer(JsonNode body) {
        if (!body.isObject()) {
            throw new ApiError(400, "invalid_request", "the body must be a JSON object with 'input' and 'model'");
        }
        JsonNode model = body.get("model");
        if (model == null || !model.isTextual()) {
            throw new ApiError(400, "missing_model", "'model' is required: this server runs " + api.modelName(), "model");
        }
        if (!model.textValue().equals(api.modelName()) && !model.textValue().equals(api.engine().modelFingerprint())) {
            throw new ApiError(404, "model_not_found", "model '" + model.textValue() + "' is not served here; this server runs "
                    + api.modelName() + " (fingerprint " + api.engine().modelFingerprint() + ")", "model");
        }
        int dimensions = dimensions(body.get("dimensions"));
        JsonNode format = body.get("encoding_format");
        boolean base64 = false;
        if (format != null && !format.isNull()) {
            if (!format.isTextual() || !(format.textValue().equals("float") || format.textValue().equals("base64"))) {
                throw new ApiError(400, "invalid_request", "'encoding_format' must be float or base64, got " + format, "encoding_format");
            }
            base64 = format.textValue().equals("base64");
        }
        List<QueryInput> inputs = Inputs.read(body.get("input"), "input", true, api.settings(), 400);
        List<DocumentVector> vectors = api.embedder().embed(inputs, true, false);
        ObjectNode out = QueryApi.JSON.createObjectNode().put("object", "list");
        ArrayNode data = out.putArray("data");
        long tokens = 0;
        for (int i = 0; i < vectors.size(); i++) {
            ObjectNode d = data.addObject().put("object", "embedding").put("index", i);
            float[] v = shortened(vectors.get(i).vector(), dimensions);
            if (base64) {
                d.put("embedding", base64(v));
            } else {
                ArrayNode arr = d.putArray("embedding");
                for (float f : v) {
                    arr.add(f);
                }
            }
            tokens += vectors.get(i).tokens();
        }
        out.put("model", api.modelName());
        out.putObject("usage").put("prompt_tokens", tokens).put("total_tokens", tokens);
        return out;
    }

    /** The requested dimensions, or the model's when not given; refused outside 1..dimension. */
    private int dimensions(JsonNode n) {
        int full = api.engine().dimension();
        if (n == null || n.isNull()) {
            return full;
        }
        if (!n.isIntegralNumber() || !n.canConvertToInt() || n.intValue() < 1 || n.intValue() > full) {
            throw new ApiError(400, "invalid_request", "'dimensions' must be an integer from 1 to " + full + " (model " + api.modelName()
                    + "'s dimension), got " + n, "dimensions");
        }
        return n.intValue();
    }

    /** The first {@code d} dimensions of a unit vector, made unit length again (OpenAI's shortening). */
    static float[] shortened(float[] v, int d) {
        if (d == v.length) {
            return v;
        }
        double norm = 0;
        for (int k = 0; k < d; k++) {
            norm += (double) v[k] * v[k];
        }
        float[] out = new float[d];
        double scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
        for (int k = 0; k < d; k++) {
            out[k] = (float) (v[k] * scale);
        }
        return out;
    }

    /** OpenAI's base64 encoding: the float32 values, little-endian, one after another. */
    static String base64(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            b.putFloat(f);
        }
        return Base64.getEncoder().encodeToString(b.array());
    }

    @Override
    public JsonNode errorBody(ApiError e) {
        ObjectNode o = QueryApi.JSON.createObjectNode();
        ObjectNode err = o.putObject("error").put("message", e.getMessage()).put("type", errorType(e.status()));
        if (e.param() == null) {
            err.putNull("param");
        } else {
            err.put("param", e.param());
        }
        err.put("code", e.status() == 401 ? "invalid_api_key" : e.code());
        return o;
    }

    private static String errorType(int status) {
        return switch (status) {
            case 401 -> "authentication_error";
            case 429 -> "rate_limit_error";
            default -> status >= 500 ? "server_error" : "invalid_request_error";
        };
    }
}
