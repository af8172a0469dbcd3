package dev.kembed.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kembed.engine.EngineException;
import dev.kembed.error.KembedException;
import dev.kembed.error.OverloadedException;
import dev.kembed.error.TooLargeException;
import dev.kembed.text.BadInputException;
import org.junit.jupiter.api.Test;

/** How a classified failure reaches an HTTP client: bad input 4xx without Retry-After, overload 429, engine failures 503. */
class FailuresTest {
    final JsonRoute tei = new TeiEmbedRoute(null);
    final JsonRoute openAi = new OpenAiEmbeddingsRoute(null);

    record Answer(int status, String code, int retryAfter, JsonNode teiBody, JsonNode openAiBody) {}

    Answer answer(KembedException e) {
        ApiError t = Failures.of(e, tei);
        ApiError o = Failures.of(e, openAi);
        return new Answer(t.status(), t.code(), Failures.retryAfterSeconds(t.status()), tei.errorBody(t), openAi.errorBody(o));
    }

    @Test
    void aFullLaneIs429WithRetryAfterInEachEcosystemsShape() {
        Answer a = answer(new OverloadedException("the query lane holds 9000 padded tokens"));
        assertThat(a.status()).isEqualTo(429);
        assertThat(a.retryAfter()).isPositive();
        assertThat(a.teiBody().get("error_type").asText()).isEqualTo("Overloaded");
        assertThat(a.openAiBody().get("error").get("type").asText()).isEqualTo("rate_limit_error");
    }

    @Test
    void engineFailuresAre503WithRetryAfterWhateverTheirKind() {
        for (EngineException e : new EngineException[] {EngineException.transientFailure("no result within 60000 ms (engine down)", null),
                EngineException.fatal("engine failed unexpectedly", null)}) {
            Answer a = answer(e);
            assertThat(a.status()).as(e.getMessage()).isEqualTo(503);
            assertThat(a.retryAfter()).isPositive();
            assertThat(a.teiBody().get("error_type").asText()).isEqualTo("Backend");
            assertThat(a.openAiBody().get("error").get("type").asText()).isEqualTo("server_error");
        }
    }

    @Test
    void badInputIs4xxWithoutRetryAfterAndTooLargeIs413() {
        Answer tooLong = answer(new TooLargeException("input-too-long", "Input validation error: the input has 900 tokens"));
        assertThat(tooLong.status()).isEqualTo(413);
        assertThat(tooLong.retryAfter()).isZero();
        assertThat(tooLong.openAiBody().get("error").get("code").asText()).isEqualTo("input-too-long");

        assertThat(Failures.of(new BadInputException("blank-text", "blank"), tei).status()).isEqualTo(422);
        assertThat(Failures.of(new BadInputException("blank-text", "blank"), openAi).status()).isEqualTo(400);
        Answer refusedWindow = answer(EngineException.badWindow("window-too-long", "longer than every static shape"));
        assertThat(refusedWindow.status()).as("a window the engine refuses for its shape is the input's fault").isEqualTo(422);
        assertThat(refusedWindow.retryAfter()).isZero();
    }

    @Test
    void aFatalFailureOutsideTheEngineIs500() {
        KembedException other = new KembedException(KembedException.Kind.FATAL, "registry-refused", "refused", null) {};
        assertThat(Failures.of(other, tei).status()).isEqualTo(500);
    }
}
