package dev.kembed.engine.gpu;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a GPU engine needs from the host, found without loading any native code: an NVIDIA device
 * node and shared libraries by soname, looked up where the dynamic linker would look. GPU
 * providers ask this before they touch DJL's or ONNX Runtime's GPU classes, so a CPU-only run
 * never loads a GPU library and {@code auto} can say exactly what is missing.
 *
 * @param root filesystem root (a test points it at a fake tree)
 * @param env  environment (LD_LIBRARY_PATH, TENSORRT_EXTRA_LIBRARY_PATH)
 */
public record GpuHost(Path root, Map<String, String> env) {
    private static final List<String> STANDARD_DIRS = List.of("lib/x86_64-linux-gnu", "usr/lib/x86_64-linux-gnu", "usr/lib64", "usr/lib",
            "usr/local/cuda/lib64", "usr/local/cuda/targets/x86_64-linux/lib", "usr/local/nvidia/lib64", "usr/local/nvidia/lib",
            "usr/lib/wsl/lib");

    public static GpuHost current() {
        return new GpuHost(Path.of("/"), System.getenv());
    }

    /** The driver's device node, or its proc entry: there is an NVIDIA GPU and a driver for it. */
    public boolean hasNvidiaDevice() {
        return Files.exists(root.resolve("dev/nvidiactl")) || Files.exists(root.resolve("proc/driver/nvidia/version"));
    }

    /** Directories searched for libraries, in the dynamic linker's order (environment, ld.so.conf, defaults). */
    public List<Path> librarySearchPath() {
        Set<Path> dirs = new LinkedHashSet<>();
        addAll(dirs, env.getOrDefault("LD_LIBRARY_PATH", ""), ":");
        addAll(dirs, env.getOrDefault("TENSORRT_EXTRA_LIBRARY_PATH", ""), ",");
        readLdConf(root.resolve("etc/ld.so.conf"), dirs, 0);
        for (String d : STANDARD_DIRS) {
            dirs.add(root.resolve(d));
        }
        return new ArrayList<>(dirs);
    }

    /** Sonames (e.g. {@code libnvinfer.so.8}) not found in any search directory. */
    public List<String> missing(List<String> sonames) {
        List<Path> path = librarySearchPath();
        List<String> missing = new ArrayList<>();
        for (String so : sonames) {
            if (path.stream().noneMatch(d -> Files.exists(d.resolve(so)))) {
                missing.add(so);
            }
        }
        return missing;
    }

    /**
     * Why a GPU engine cannot run here, or null: the device first, then every missing library.
     *
     * @param remedy what to do about it (which image, which profile)
     */
    public String unavailable(List<String> sonames, String remedy) {
        List<String> why = new ArrayList<>();
        if (!hasNvidiaDevice()) {
            why.add("no NVIDIA GPU (" + root.resolve("dev/nvidiactl") + " is missing)");
        }
        List<String> missing = missing(sonames);
        if (!missing.isEmpty()) {
            why.add("missing " + String.join(", ", missing) + " (searched LD_LIBRARY_PATH, TENSORRT_EXTRA_LIBRARY_PATH, ld.so.conf and "
                    + "the standard library directories)");
        }
        return why.isEmpty() ? null : String.join("; ", why) + "; " + remedy;
    }

    /** The GPU's product name from {@code nvidia-smi} (cache keys, peak tables); "gpu&lt;N&gt;" when it cannot be asked. */
    public static String gpuName(int device) {
        try {
            Process p = new ProcessBuilder(List.of("nvidia-smi", "--query-gpu=name", "--format=csv,noheader", "-i", Integer.toString(device)))
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
            if (p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS) && p.exitValue() == 0 && !out.isEmpty()) {
                return out.lines().findFirst().orElse(out);
            }
        } catch (IOException e) {
            // no nvidia-smi on PATH: fall through
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return "gpu" + device;
    }

    private void addAll(Set<Path> dirs, String list, String separator) {
        for (String d : list.split(separator)) {
            if (!d.isBlank()) {
                Path p = Path.of(d.trim());
                dirs.add(p.isAbsolute() ? root.resolve(p.toString().substring(1)) : p);
            }
        }
    }

    private void readLdConf(Path conf, Set<Path> dirs, int depth) {
        if (depth > 4 || !Files.isRegularFile(conf)) {
            return;
        }
        try {
            for (String line : Files.readAllLines(conf)) {
                String l = line.strip();
                if (l.isEmpty() || l.startsWith("#")) {
                    continue;
                }
                if (l.startsWith("include ")) {
                    String pattern = l.substring("include ".length()).strip();
                    Path dir = root.resolve(Path.of(pattern).getParent().toString().substring(1));
                    String glob = Path.of(pattern).getFileName().toString();
                    if (Files.isDirectory(dir)) {
                        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, glob)) {
                            for (Path f : files) {
                                readLdConf(f, dirs, depth + 1);
                            }
                        }
                    }
                } else if (l.startsWith("/")) {
                    dirs.add(root.resolve(l.substring(1)));
                }
            }
        } catch (IOException e) {
            // an unreadable ld.so.conf only narrows the search; the standard directories still count
        }
    }
}
