package dev.kembed.text;

/** A document that can never be embedded as given (empty, too long, not decodable...). Not retryable. */
public class BadInputException extends RuntimeException {
    private final String reason;

    /** @param reason a short machine-readable code, e.g. {@code empty-text} */
    public BadInputException(String reason, String message) {
        super(message);
        this.reason = reason;
    }

    public String reason() {
        return reason;
    }
}
