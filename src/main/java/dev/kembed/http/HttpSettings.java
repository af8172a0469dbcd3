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
 * @param maxInputTokens tokens per input, specials and prompt included (413 above unless {@code truncate}); 0 = the window size
 * @param maxQueuedTokens padded tokens of query windows the engine queue's lane may hold (429 above); 0 = {@value #QUEUED_BATCHES}
 *                       batch budgets
 */
public record HttpSettings(String apiKey, int maxBodyBytes, int maxInputs, int maxConcurrent, int maxInputChars, Duration requestTimeout,
        int maxInputTokens, long maxQueuedTokens) {
    public HttpSettings {
        if (maxBodyBytes <= 0 || maxInputs <= 0 || maxConcurrent <= 0 || maxInputChars <= 0 || maxInputTokens < 0 || maxQueuedTokens < 0) {
            throw new IllegalArgumentException("HTTP limits must be positive");
        }
        if (apiKey != null && apiKey.isBlank()) {
            apiKey = null;
        }
    }

    /** What {@code kembed serve} and {@code kembed.http.*} default to. */
    public static final int DEFAULT_MAX_BODY_BYTES = 2 * 1024 * 1024; // text-embeddings-inference's payload limit
    public static final int DEFAULT_MAX_INPUTS = 32; // text-embeddings-inference's max_client_batch_size
    public static final int DEFAULT_MAX_CONCURRENT = 64;
    public static final long DEFAULT_TIMEOUT_MS = 60_000;
    /**
     * The lane's default bound in batch budgets: a few batches keep the engine busy between two
     * requests, and a query admitted behind them waits a few calls, well within its timeout.
     */
    public static final int QUEUED_BATCHES = 4;

    /** The settings with the token limits that depend on the model resolved: {@code 0} becomes the window, or the batches. */
    public HttpSettings resolved(int windowTokens, int batchTokens) {
        return new HttpSettings(apiKey, maxBodyBytes, maxInputs, maxConcurrent, maxInputChars, requestTimeout,
                maxInputTokens > 0 ? maxInputTokens : windowTokens, maxQueuedTokens > 0 ? maxQueuedTokens : (long) QUEUED_BATCHES * batchTokens);
    }

    /** The API key is a secret: never part of a string that could be logged. */
    @Override
    public String toString() {
        return "HttpSettings[apiKey=" + (apiKey == null ? "none" : "set") + ", maxBodyBytes=" + maxBodyBytes + ", maxInputs=" + maxInputs
                + ", maxConcurrent=" + maxConcurrent + ", maxInputChars=" + maxInputChars + ", requestTimeout=" + requestTimeout + ", maxInputTokens=" + maxInputTokens
                + ", maxQueuedTokens=" + maxQueuedTokens + "]";
    }
}
