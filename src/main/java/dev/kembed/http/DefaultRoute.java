package dev.kembed.http;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * {@code POST /} and {@code POST /invocations}: text-embeddings-inference's default route (and
 * SageMaker's name for it), where clients pointed at a base URL send their requests. A
 * sentence-similarity body ({@code inputs} an object) is answered as {@code /similarity}, anything
 * else as {@code /embed}.
 */
final class DefaultRoute extends TeiRoute {
    private final JsonRoute embed;
    private final JsonRoute similarity;

    DefaultRoute(QueryApi api, JsonRoute embed, JsonRoute similarity) {
        super(api, "default");
        this.embed = embed;
        this.similarity = similarity;
    }

    @Override
    public JsonNode answer(JsonNode body) {
        return (SimilarityRoute.isSimilarity(body) ? similarity : embed).answer(body);
    }
}
