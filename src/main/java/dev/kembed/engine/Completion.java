package dev.kembed.engine;

import dev.kembed.engine.WindowResult;

/** The engine's answer for one job: a result, or the error that made it give up. */
public record Completion(WindowJob job, WindowResult result, String error) {
    public boolean failed() {
        return error != null;
    }
}
