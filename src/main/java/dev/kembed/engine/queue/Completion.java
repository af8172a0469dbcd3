package dev.kembed.engine.queue;

import dev.kembed.engine.WindowResult;

/**
 * The engine's answer for one job: a result, or the reason (a dead-letter code) and message of
 * the failure that made the workers give up on it.
 */
public record Completion(WindowJob job, WindowResult result, String reason, String error) {
    public static Completion ok(WindowJob job, WindowResult result) {
        return new Completion(job, result, null, null);
    }

    public static Completion failed(WindowJob job, String reason, String error) {
        return new Completion(job, null, reason, error);
    }

    public boolean failed() {
        return reason != null;
    }
}
