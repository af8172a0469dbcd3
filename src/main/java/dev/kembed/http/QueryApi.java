package dev.kembed.http;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kembed.embed.QueryEmbedder;
import dev.kembed.engine.EngineInfo;
import dev.kembed.text.WindowPlan;
import java.util.Map;

/**
 * What the query routes serve: one model's embedder (the stream's window plan, on the shared
 * engine queue's priority lane), its limits, and the routes themselves.
 */
public final class QueryApi {
    static final ObjectMapper JSON = JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();

    private final QueryEmbedder embedder;
    private final HttpSettings settings;
    private final HttpMetrics metrics;
    private final Map<String, JsonRoute> routes;
    private final int maxBatchTokens;

    public QueryApi(QueryEmbedder embedder, HttpSettings settings, HttpMetrics metrics) {
        this(embedder, settings, metrics, 0);
    }

    /** @param maxBatchTokens padded tokens per engine batch, for {@code /info} (0 = not known) */
    public QueryApi(QueryEmbedder embedder, HttpSettings settings, HttpMetrics metrics, int maxBatchTokens) {
        this.maxBatchTokens = maxBatchTokens;
        this.embedder = embedder;
        this.settings = settings;
        this.metrics = metrics;
        JsonRoute embed = new TeiEmbedRoute(this);
        JsonRoute similarity = new SimilarityRoute(this);
        JsonRoute openAi = new OpenAiEmbeddingsRoute(this);
        JsonRoute fallback = new DefaultRoute(this, embed, similarity);
        // TEI's aliases, so clients pointed at a base URL find what they find on TEI
        this.routes = Map.of("/embed", embed, "/similarity", similarity, "/v1/embeddings", openAi, "/embeddings", openAi, "/", fallback,
                "/invocations", fallback, "/tokenize", new TokenizeRoute(this), "/decode", new DecodeRoute(this), "/embed_all",
                new EmbedAllRoute(this));
    }

    QueryEmbedder embedder() {
        return embedder;
    }

    HttpSettings settings() {
        return settings;
    }

    HttpMetrics metrics() {
        return metrics;
    }

    /** The POST paths, for the 404's list. */
    static final String ROUTES = "POST /embed, POST /similarity, POST /v1/embeddings (and /embeddings), POST / and /invocations "
            + "(embed, or similarity for a sentence-similarity body), POST /embed_all, POST /tokenize, POST /decode, GET /info";

    /** The POST route at {@code path}, or null. */
    JsonRoute route(String path) {
        return routes.get(path);
    }

    EngineInfo engine() {
        return embedder.plan().engine();
    }

    /** The model's name as the OpenAI route's {@code model} field must give it. */
    String modelName() {
        return engine().modelName();
    }

    /** {@code GET /info}: what a search service must match before it mixes these vectors with an index's. */
    ObjectNode info() {
        WindowPlan plan = embedder.plan();
        EngineInfo e = plan.engine();
        ObjectNode o = JSON.createObjectNode();
        o.put("model_id", e.modelName()).put("model_fingerprint", plan.fingerprint()).put("model_family", e.family().name().toLowerCase())
                .put("engine", e.engine()).put("precision", e.precision().label()).put("dimension", e.dimension())
                .put("max_input_length", embedder.maxInputTokens()).put("window_tokens", plan.maxTokens()).put("window_overlap", plan.overlap())
                .put("pooling", plan.settings().pooling().label()).put("global_attention_cls", plan.globalCls())
                .put("normalize", plan.settings().normalize());
        ObjectNode prompts = o.putObject("prompts"); // a sentence-transformers directory's, for prompt_name
        new java.util.TreeMap<>(embedder.prompts()).forEach(prompts::put);
        if (!plan.settings().prompt().isEmpty()) {
            o.put("prompt", plan.settings().prompt());
        }
        // text-embeddings-inference's own fields, for clients that read them
        o.putNull("model_sha");
        o.put("model_dtype", switch (e.precision().label()) {
            case "fp32" -> "float32";
            case "fp16" -> "float16";
            case "bf16" -> "bfloat16";
            default -> e.precision().label();
        });
        o.putObject("model_type").putObject("embedding").put("pooling", plan.settings().pooling().label());
        if (maxBatchTokens > 0) {
            o.put("max_batch_tokens", maxBatchTokens);
        }
        o.putNull("max_batch_requests");
        o.put("auto_truncate", false).put("tokenization_workers", settings.maxConcurrent()); // each request tokenizes on its own thread
        o.put("max_client_batch_size", settings.maxInputs()).put("max_concurrent_requests", settings.maxConcurrent())
                .put("max_input_chars", settings.maxInputChars()).put("max_body_bytes", settings.maxBodyBytes())
                .put("max_queued_tokens", settings.maxQueuedTokens())
                .put("version", "kembed 0.1.0");
        return o;
    }
}
