package dev.kembed.text;

import dev.kembed.error.KembedException;

/** A document that can never be embedded as given (empty, too long, not decodable...). Not retryable. */
public class BadInputException extends KembedException {
    /** @param reason a short machine-readable code, e.g. {@code empty-text} */
    public BadInputException(String reason, String message) {
        super(Kind.BAD_INPUT, reason, message, null);
    }
}
