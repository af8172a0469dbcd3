package dev.kembed.engine;

import java.util.List;

/**
 * Per-window results in batch order, plus how long the backend took.
 *
 * @param computedTokens token positions the engine computed, padding included (the padding-waste metric)
 */
public record BatchResult(List<WindowResult> windows, long inferenceNanos, long computedTokens) {}
