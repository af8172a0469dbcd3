package dev.kembed.http;

import com.fasterxml.jackson.databind.JsonNode;

/** One JSON route of the query API: its answer to a parsed body, and its ecosystem's error shape. */
interface JsonRoute {
    /** The label of its metrics ({@code route}). */
    String name();

    /** The status of a request that parses but is not valid here (text-embeddings-inference: 422; OpenAI: 400). */
    int invalidStatus();

    /** The answer; the caller's mistakes throw {@link ApiError}. */
    JsonNode answer(JsonNode body);

    JsonNode errorBody(ApiError e);
}
