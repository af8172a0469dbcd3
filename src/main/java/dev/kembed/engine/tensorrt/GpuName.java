package dev.kembed.engine.tensorrt;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The GPU's product name from {@code nvidia-smi}, for cache keys; "gpu&lt;N&gt;" when it cannot be asked. */
final class GpuName {
    private GpuName() {}

    static String of(int device) {
        try {
            Process p = new ProcessBuilder(List.of("nvidia-smi", "--query-gpu=name", "--format=csv,noheader", "-i", Integer.toString(device)))
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0 && !out.isEmpty()) {
                return out.lines().findFirst().orElse(out);
            }
        } catch (IOException e) {
            // no nvidia-smi on PATH: fall through
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return "gpu" + device;
    }
}
