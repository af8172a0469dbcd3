package dev.kembed.http;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A route in text-embeddings-inference's shape: invalid requests are 422, errors are
 * {@code {"error", "error_type"}}, the body a JSON object.
 */
abstract class TeiRoute implements JsonRoute {
    protected final QueryApi api;
    private final String name;

    TeiRoute(QueryApi api, String name) {
        this.api = api;
        this.name = name;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final int invalidStatus() {
        return 422;
    }

    /** The body, refused unless it is a JSON object; {@code expected} says what it must hold. */
    static JsonNode object(JsonNode body, String expected) {
        if (!body.isObject()) {
            throw new ApiError(422, "invalid_request", "the body must be a JSON object with " + expected);
        }
        return body;
    }

    @Override
    public final JsonNode errorBody(ApiError e) {
        return QueryApi.JSON.createObjectNode().put("error", e.getMessage()).put("error_type", errorType(e));
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
