package dev.kembed.engine;

/**
 * A backend failure, classified so the workers know what to do with it:
 * <ul>
 *   <li>{@link Kind#BAD_WINDOW}: this window can never run on this engine (a shape or feature it
 *       does not take). Its document goes to the dead-letter topic with {@link #reason()}; it says
 *       nothing about the engine's health.</li>
 *   <li>{@link Kind#TRANSIENT}: the same batch may succeed later (out of memory, a busy device);
 *       retried with backoff.</li>
 *   <li>{@link Kind#FATAL}: the engine itself is broken (cannot load, native library missing).</li>
 * </ul>
 */
public class EngineException extends RuntimeException {
    public enum Kind { BAD_WINDOW, TRANSIENT, FATAL }

    /** The dead-letter reason of an engine failure that is not the window's fault. */
    public static final String ENGINE_FAILURE = "engine-failure";

    private final Kind kind;
    private final String reason;

    public EngineException(Kind kind, String reason, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.reason = reason;
    }

    /** A window this engine refuses; {@code reason} is a short dead-letter code such as {@code window-too-long}. */
    public static EngineException badWindow(String reason, String message) {
        return new EngineException(Kind.BAD_WINDOW, reason, message, null);
    }

    public static EngineException transientFailure(String message, Throwable cause) {
        return new EngineException(Kind.TRANSIENT, ENGINE_FAILURE, message, cause);
    }

    public static EngineException fatal(String message, Throwable cause) {
        return new EngineException(Kind.FATAL, ENGINE_FAILURE, message, cause);
    }

    public Kind kind() {
        return kind;
    }

    public boolean retryable() {
        return kind == Kind.TRANSIENT;
    }

    /** Short code for the dead-letter header {@code kembed.error.reason}. */
    public String reason() {
        return reason;
    }
}
