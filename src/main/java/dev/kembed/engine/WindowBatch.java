package dev.kembed.engine;

import java.util.List;

/**
 * Windows to run together.
 *
 * @param tokenStates also return every token's last hidden state (large: L×H floats per window)
 */
public record WindowBatch(List<EngineWindow> windows, boolean tokenStates) {
    public WindowBatch {
        windows = List.copyOf(windows);
        if (windows.isEmpty()) {
            throw new IllegalArgumentException("empty batch");
        }
    }

    public static WindowBatch of(List<EngineWindow> windows) {
        return new WindowBatch(windows, false);
    }

    public int maxLength() {
        return windows.stream().mapToInt(EngineWindow::length).max().orElse(0);
    }

    public int tokens() {
        return windows.stream().mapToInt(EngineWindow::length).sum();
    }
}
