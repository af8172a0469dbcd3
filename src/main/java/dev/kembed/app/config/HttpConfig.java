package dev.kembed.app.config;

import dev.kembed.http.HttpSettings;
import java.time.Duration;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;

/** The HTTP side: the metrics and health port, and the query API's port, key and limits. */
public final class HttpConfig extends ConfigArea {
    public static final String METRICS_PORT = "kembed.metrics.port";
    public static final String HTTP_PORT = "kembed.http.port";
    public static final String HTTP_API_KEY = "kembed.http.api.key";
    public static final String HTTP_MAX_BODY_BYTES = "kembed.http.max.body.bytes";
    public static final String HTTP_MAX_INPUTS = "kembed.http.max.inputs";
    public static final String HTTP_MAX_CONCURRENT = "kembed.http.max.concurrent.requests";
    public static final String HTTP_REQUEST_TIMEOUT_MS = "kembed.http.request.timeout.ms";
    public static final String HTTP_MAX_INPUT_TOKENS = "kembed.http.max.input.tokens";
    public static final String HTTP_MAX_QUEUED_TOKENS = "kembed.http.max.queued.tokens";

    public HttpConfig(AbstractConfig values) {
        super(values);
    }

    public static void defineMetrics(ConfigDef def) {
        def.define(METRICS_PORT, Type.INT, 0, Range.between(0, 65535), Importance.MEDIUM,
                "Port of /metrics (Prometheus) and /health (0 = off).");
    }

    public static void defineHttp(ConfigDef def) {
        def.define(HTTP_PORT, Type.INT, 0, Range.between(0, 65535), Importance.MEDIUM,
                        "Port of the query API (POST /embed, POST /v1/embeddings, GET /info; also /metrics and /health), answered from the "
                                + "stream's engine, window plan and fingerprint, ahead of queued document windows (0 = off). May equal "
                                + "kembed.metrics.port.")
                .define(HTTP_API_KEY, Type.PASSWORD, null, Importance.MEDIUM,
                        "Bearer token the query routes require (Authorization: Bearer <key>); unset = none. Never logged.")
                .define(HTTP_MAX_BODY_BYTES, Type.INT, HttpSettings.DEFAULT_MAX_BODY_BYTES, Range.between(1024, 1 << 30),
                        Importance.LOW, "Larger request bodies are refused with 413.")
                .define(HTTP_MAX_INPUTS, Type.INT, HttpSettings.DEFAULT_MAX_INPUTS, Range.between(1, 100_000), Importance.LOW,
                        "Inputs per request; more are refused with 413.")
                .define(HTTP_MAX_CONCURRENT, Type.INT, HttpSettings.DEFAULT_MAX_CONCURRENT, Range.between(1, 4096),
                        Importance.LOW, "Requests embedding at once; one more is refused with 429 and Retry-After.")
                .define(HTTP_REQUEST_TIMEOUT_MS, Type.LONG, HttpSettings.DEFAULT_TIMEOUT_MS, Range.between(100, 3_600_000),
                        Importance.LOW, "The longest a query waits for the engine; then 503 with Retry-After (the engine is down or overloaded).")
                .define(HTTP_MAX_INPUT_TOKENS, Type.INT, 0, Range.atLeast(0), Importance.LOW,
                        "Tokens per query input, special tokens and prompt included (text-embeddings-inference's max_input_length); a "
                                + "longer input is refused with 413 unless the request says truncate: true, which keeps its first tokens "
                                + "up to this. 0 = the window size (kembed.window.max.tokens); above it, a long input is windowed like a "
                                + "document up to this many tokens.")
                .define(HTTP_MAX_QUEUED_TOKENS, Type.LONG, 0L, Range.atLeast(0), Importance.LOW,
                        "Padded tokens of query windows the engine queue may hold; a query that would exceed it is refused at once with "
                                + "429 and Retry-After, never queued (an empty queue takes any query). 0 = "
                                + HttpSettings.QUEUED_BATCHES + " batches (4 x kembed.batch.max.tokens as resolved).");
    }

    public int metricsPort() {
        return values.getInt(METRICS_PORT);
    }

    public int httpPort() {
        return values.getInt(HTTP_PORT);
    }

    /** The query routes' limits; {@code maxInputChars} ({@code kembed.input.max.chars}) bounds each input as it bounds a document. */
    public HttpSettings httpSettings(int maxInputChars) {
        return new HttpSettings(secret(HTTP_API_KEY), values.getInt(HTTP_MAX_BODY_BYTES), values.getInt(HTTP_MAX_INPUTS),
                values.getInt(HTTP_MAX_CONCURRENT), maxInputChars, Duration.ofMillis(values.getLong(HTTP_REQUEST_TIMEOUT_MS)),
                values.getInt(HTTP_MAX_INPUT_TOKENS), values.getLong(HTTP_MAX_QUEUED_TOKENS));
    }
}
