package dev.kembed.error;

/**
 * Work refused at once because a bounded queue is full (the query lane's tokens): nothing is wrong
 * with the work or with kembed, and the same request later may be taken. Retryable; the HTTP routes
 * answer it 429 with {@code Retry-After}, never a wait.
 */
public class OverloadedException extends KembedException {
    public static final String REASON = "overloaded";

    public OverloadedException(String message) {
        super(Kind.RETRYABLE, REASON, message, null);
    }
}
