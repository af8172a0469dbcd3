package dev.kembed.error;

/**
 * The one base of every failure kembed classifies. Its {@link Kind} says what the caller does with
 * it; its {@link #reason()} is a short machine-readable code (the dead-letter header
 * {@code kembed.error.reason}, a metric tag).
 * <ul>
 *   <li>{@link Kind#BAD_INPUT}: this document (or window) can never be processed as given; it goes
 *       to the dead-letter topic with the reason and says nothing about kembed's health.</li>
 *   <li>{@link Kind#RETRYABLE}: the input is fine but something it needs is not answering now (the
 *       schema registry, a busy device); the same work is retried later, never dead-lettered.</li>
 *   <li>{@link Kind#FATAL}: kembed itself cannot go on as configured (a model that does not load,
 *       a registry that refuses the output schema, bad credentials).</li>
 * </ul>
 */
public abstract class KembedException extends RuntimeException {
    public enum Kind { BAD_INPUT, RETRYABLE, FATAL }

    private final Kind kind;
    private final String reason;

    protected KembedException(Kind kind, String reason, String message, Throwable cause) {
        super(message, cause);
        if (kind == null || reason == null || reason.isEmpty()) {
            throw new IllegalArgumentException("a KembedException needs a kind and a reason");
        }
        this.kind = kind;
        this.reason = reason;
    }

    public final Kind kind() {
        return kind;
    }

    /** Short code, e.g. {@code empty-text}, {@code registry-unavailable}, {@code window-too-long}. */
    public final String reason() {
        return reason;
    }

    public final boolean retryable() {
        return kind == Kind.RETRYABLE;
    }

    public final boolean badInput() {
        return kind == Kind.BAD_INPUT;
    }
}
