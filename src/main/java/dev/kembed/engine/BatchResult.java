package dev.kembed.engine;

import java.util.List;

/** Per-window results in batch order, plus how long the backend took. */
public record BatchResult(List<WindowResult> windows, long inferenceNanos, int paddedLength) {}
