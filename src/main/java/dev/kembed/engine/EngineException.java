package dev.kembed.engine;

/** A backend failure; {@code retryable} distinguishes transient trouble from a bad batch or model. */
public class EngineException extends RuntimeException {
    private final boolean retryable;

    public EngineException(String message, boolean retryable, Throwable cause) {
        super(message, cause);
        this.retryable = retryable;
    }

    public boolean retryable() {
        return retryable;
    }
}
