package dev.kembed.http;

import dev.kembed.engine.EngineException;
import dev.kembed.error.KembedException;
import dev.kembed.error.OverloadedException;
import dev.kembed.error.TooLargeException;

/**
 * A classified failure as the query routes answer it. The caller's mistakes are 4xx and never
 * retried by clients: input too large 413 (text-embeddings-inference's status for an input over
 * its token limit), other bad input the route's own status (422 TEI, 400 OpenAI). Everything else
 * says "retry later" with {@code Retry-After}: a full lane 429 (TEI's {@code Overloaded}, OpenAI's
 * {@code rate_limit_error}), an engine that is down, too slow, or failed on the request 503. Only
 * a failure of kembed itself outside the engine is 500.
 */
final class Failures {
    private Failures() {}

    static ApiError of(KembedException e, JsonRoute route) {
        if (e instanceof OverloadedException) {
            return new ApiError(429, "overloaded", e.getMessage());
        }
        if (e instanceof TooLargeException) {
            return new ApiError(413, e.reason(), e.getMessage());
        }
        return switch (e.kind()) {
            case BAD_INPUT -> new ApiError(route.invalidStatus(), e.reason(), e.getMessage());
            case RETRYABLE -> new ApiError(503, "engine_unavailable", "the engine cannot answer now: " + e.getMessage() + "; retry later");
            case FATAL -> e instanceof EngineException ? new ApiError(503, "engine_failure", "the engine failed: " + e.getMessage() + "; retry later")
                    : new ApiError(500, "internal_error", e.getMessage());
        };
    }

    /** The {@code Retry-After} seconds of a status, or 0 for none: 429 and 503 say when to come back. */
    static int retryAfterSeconds(int status) {
        return status == 429 || status == 503 ? 1 : 0;
    }
}
