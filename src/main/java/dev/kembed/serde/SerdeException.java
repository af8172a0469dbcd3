package dev.kembed.serde;

import dev.kembed.error.KembedException;

/**
 * A value that cannot be (de)serialized, or a schema registry that did not help: the kind tells a
 * bad record ({@link #badValue}) from a registry that is down ({@link #registryUnavailable}) or
 * that refused kembed ({@link #registryRefused}).
 */
public class SerdeException extends KembedException {
    private SerdeException(Kind kind, String reason, String message, Throwable cause) {
        super(kind, reason, message, cause);
    }

    /** This value can never be read or written (not wire format, undecodable, an unknown schema id). */
    public static SerdeException badValue(String reason, String message) {
        return new SerdeException(Kind.BAD_INPUT, reason, message, null);
    }

    /** No registry answered (unreachable, timed out, 5xx): the same call may work later. */
    public static SerdeException registryUnavailable(String message, Throwable cause) {
        return new SerdeException(Kind.RETRYABLE, "registry-unavailable", message, cause);
    }

    /** kembed's own records cannot be written: a bug or a broken schema, never the input's fault. */
    public static SerdeException fatal(String reason, String message, Throwable cause) {
        return new SerdeException(Kind.FATAL, reason, message, cause);
    }

    /** A registry answered and said no (401/403, 409, another 4xx): retrying the same call does not help. */
    public static SerdeException registryRefused(String reason, String message) {
        return new SerdeException(Kind.FATAL, reason, message, null);
    }
}
