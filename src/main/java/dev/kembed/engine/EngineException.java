package dev.kembed.engine;

import dev.kembed.error.KembedException;

/**
 * A backend failure, classified so the workers know what to do with it:
 * <ul>
 *   <li>{@link Kind#BAD_INPUT} ({@link #badWindow}): this window can never run on this engine (a
 *       shape or feature it does not take). Its document goes to the dead-letter topic with
 *       {@link #reason()}; it says nothing about the engine's health.</li>
 *   <li>{@link Kind#RETRYABLE} ({@link #transientFailure}): the same batch may succeed later (out
 *       of memory, a busy device); retried with backoff.</li>
 *   <li>{@link Kind#FATAL} ({@link #fatal}): the engine itself is broken (cannot load, native
 *       library missing).</li>
 * </ul>
 */
public class EngineException extends KembedException {
    /** The dead-letter reason of an engine failure that is not the window's fault. */
    public static final String ENGINE_FAILURE = "engine-failure";

    private EngineException(Kind kind, String reason, String message, Throwable cause) {
        super(kind, reason, message, cause);
    }

    /** A window this engine refuses; {@code reason} is a short dead-letter code such as {@code window-too-long}. */
    public static EngineException badWindow(String reason, String message) {
        return new EngineException(Kind.BAD_INPUT, reason, message, null);
    }

    public static EngineException transientFailure(String message, Throwable cause) {
        return new EngineException(Kind.RETRYABLE, ENGINE_FAILURE, message, cause);
    }

    public static EngineException fatal(String message, Throwable cause) {
        return new EngineException(Kind.FATAL, ENGINE_FAILURE, message, cause);
    }
}
