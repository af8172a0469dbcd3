package dev.kembed.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.kembed.embed.DocumentVector;
import dev.kembed.embed.QueryInput;
import java.util.List;

/**
 * {@code POST /similarity}, text-embeddings-inference's sentence-similarity route (what Hugging
 * Face's {@code InferenceClient.sentence_similarity} sends): {@code inputs} is
 * {@code {"source_sentence": s, "sentences": [..]}}, with {@link TeiOptions}'s {@code truncate}
 * and {@code prompt_name}; answers the cosine similarity of {@code s} to each sentence,
 * {@code [float]}, from the same vectors {@code /embed} gives (normalized, so a dot product).
 */
final class SimilarityRoute extends TeiRoute {
    SimilarityRoute(QueryApi api) {
        super(api, "similarity");
    }

    /** Whether a body is a similarity request (its {@code inputs} an object), for the default route. */
    static boolean isSimilarity(JsonNode body) {
        return body.isObject() && body.get("inputs") != null && body.get("inputs").isObject();
    }

    @Override
    public JsonNode answer(JsonNode body) {
        if (!isSimilarity(body)) {
            throw new ApiError(422, "invalid_request", "the body must be {\"inputs\": {\"source_sentence\": \"..\", \"sentences\": [\"..\"]}}",
                    "inputs");
        }
        JsonNode in = body.get("inputs");
        JsonNode source = in.get("source_sentence");
        JsonNode sentences = in.get("sentences");
        if (source == null || !source.isTextual()) {
            throw new ApiError(422, "invalid_request", "'inputs.source_sentence' must be a string", "inputs.source_sentence");
        }
        if (sentences == null || !sentences.isArray() || sentences.isEmpty()) {
            throw new ApiError(422, "invalid_request", "'inputs.sentences' must be a non-empty list of strings", "inputs.sentences");
        }
        ArrayNode all = QueryApi.JSON.createArrayNode().add(source);
        sentences.forEach(all::add);
        List<QueryInput> inputs = Inputs.read(all, "inputs", false, api.settings(), 422); // count and size limits, element types
        TeiOptions options = TeiOptions.read(body, api);
        List<DocumentVector> vectors = api.embedder().embed(inputs, true, options.truncation(), options.promptName());
        float[] s = vectors.get(0).vector();
        ArrayNode out = QueryApi.JSON.createArrayNode();
        for (int i = 1; i < vectors.size(); i++) {
            float[] v = vectors.get(i).vector();
            double dot = 0;
            for (int k = 0; k < s.length; k++) {
                dot += (double) s[k] * v[k];
            }
            out.add((float) dot);
        }
        return out;
    }
}
