package dev.kembed.http;

import java.time.Duration;

/**
 * The query routes' limits, typed (the app's config layer validates them).
 *
 * @param apiKey         the bearer token every query route requires, or null for none
 * @param maxBodyBytes   a larger request body is refused (413) before it is parsed
 * @param maxInputs      inputs per request (413 above)
 * @param maxConcurrent  requests embedding at once; one more is refused (429, {@code Retry-After})
 * @param maxInputChars  characters per input (413 above): {@code kembed.input.max.chars}, as for documents
 * @param requestTimeout the longest a request waits for the engine (503 after: down or overloaded)
 * @param bodyTimeout    the longest a request may take to send its body (408 after, and the connection closed)
 * @param minBodyRate    bytes per second a body must arrive at on average after its first second (408 below; 0 = any rate)
 * @param maxInputTokens tokens per input, specials and prompt included (413 above unless {@code truncate}); 0 = the window size
 * @param maxQueuedTokens padded tokens of query windows the engine queue's lane may hold (429 above); 0 = {@value #QUEUED_BATCHES}
 *                       batch budgets
 */
public record HttpSettings(String apiKey, int maxBodyBytes, int maxInputs, int maxConcurrent, int maxInputChars, Duration requestTimeout,
        Duration bodyTimeout, long minBodyRate, int maxInputTokens, long maxQueuedTokens) {
    public HttpSettings {
        if (maxBodyBytes <= 0 || maxInputs <= 0 || maxConcurrent <= 0 || maxInputChars <= 0 || maxInputTokens < 0 || maxQueuedTokens < 0) {
            throw new IllegalArgumentException("HTTP limits must be positive");
        }
        if (apiKey != null && apiKey.isBlank()) { // a blank key must never silently mean "no key"
            throw new IllegalArgumentException("the API key is blank: set a key, or none for no key");
        }
    }

    /** The limits with the defaults of the body's pace and of the token limits (resolved against the model later). */
    public HttpSettings(String apiKey, int maxBodyBytes, int maxInputs, int maxConcurrent, int maxInputChars, Duration requestTimeout) {
        this(apiKey, maxBodyBytes, maxInputs, maxConcurrent, maxInputChars, requestTimeout, Duration.ofMillis(DEFAULT_BODY_TIMEOUT_MS),
                DEFAULT_MIN_BODY_RATE, 0, 0);
    }

    BodyPace pace() {
        return new BodyPace(bodyTimeout, minBodyRate);
    }

    /** What {@code kembed serve} and {@code kembed.http.*} default to. */
    public static final int DEFAULT_MAX_BODY_BYTES = 2 * 1024 * 1024; // text-embeddings-inference's payload limit
    public static final int DEFAULT_MAX_INPUTS = 32; // text-embeddings-inference's max_client_batch_size
    public static final int DEFAULT_MAX_CONCURRENT = 64;
    public static final long DEFAULT_TIMEOUT_MS = 60_000;
    /** Short: a query body is small, and a client slower than this is more likely an attack than a phone. */
    public static final long DEFAULT_BODY_TIMEOUT_MS = 10_000;
    public static final long DEFAULT_MIN_BODY_RATE = 16 * 1024;
    /**
     * The lane's default bound in batch budgets: a few batches keep the engine busy between two
     * requests, and a query admitted behind them waits a few calls, well within its timeout.
     */
    public static final int QUEUED_BATCHES = 4;

    /** The settings with the token limits that depend on the model resolved: {@code 0} becomes the window, or the batches. */
    public HttpSettings resolved(int windowTokens, int batchTokens) {
        return new HttpSettings(apiKey, maxBodyBytes, maxInputs, maxConcurrent, maxInputChars, requestTimeout, bodyTimeout, minBodyRate,
                maxInputTokens > 0 ? maxInputTokens : windowTokens, maxQueuedTokens > 0 ? maxQueuedTokens : (long) QUEUED_BATCHES * batchTokens);
    }

    /** The API key is a secret: never part of a string that could be logged. */
    @Override
    public String toString() {
        return "HttpSettings[apiKey=" + (apiKey == null ? "none" : "set") + ", maxBodyBytes=" + maxBodyBytes + ", maxInputs=" + maxInputs
                + ", maxConcurrent=" + maxConcurrent + ", maxInputChars=" + maxInputChars + ", requestTimeout=" + requestTimeout + ", bodyTimeout="
                + bodyTimeout + ", minBodyRate=" + minBodyRate + ", maxInputTokens=" + maxInputTokens + ", maxQueuedTokens=" + maxQueuedTokens + "]";
    }
}
