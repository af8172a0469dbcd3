package dev.kembed.error;

/**
 * Input refused for its size (an input with more tokens than a query may have): it can never be
 * taken as given, so it is bad input, but of the kind an HTTP client is told with 413, as
 * text-embeddings-inference tells it, rather than as a malformed request.
 */
public class TooLargeException extends KembedException {
    /** @param reason a short code, e.g. {@code input-too-long} */
    public TooLargeException(String reason, String message) {
        super(Kind.BAD_INPUT, reason, message, null);
    }
}
