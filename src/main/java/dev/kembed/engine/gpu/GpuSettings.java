package dev.kembed.engine.gpu;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Shapes and caches of the GPU engines.
 *
 * @param lengths     static sequence lengths (buckets); empty = 512, 1024, 2048, 4096 up to the model's limit
 * @param batch       windows per call: TensorRT builds one engine per (batch, length); ONNX Runtime's
 *                    TensorRT provider gets one optimisation profile per length up to this batch
 * @param globalSlots global tokens per window a static graph can hold (cls pooling needs 1)
 * @param cacheDir    where built engines and graphs are kept between runs (null = a temporary directory)
 * @param ortTensorRt onnxruntime-gpu: run through ONNX Runtime's TensorRT provider (CUDA takes what it cannot)
 * @param device      CUDA device index
 */
public record GpuSettings(List<Integer> lengths, int batch, int globalSlots, Path cacheDir, boolean ortTensorRt, int device) {
    public GpuSettings {
        lengths = List.copyOf(lengths);
        if (batch < 1 || globalSlots < 1 || device < 0) {
            throw new IllegalArgumentException("GPU batch and global slots must be >= 1, device >= 0");
        }
    }

    public static GpuSettings defaults() {
        return new GpuSettings(List.of(), 8, 1, null, false, 0);
    }

    /**
     * The buckets for a model: each length rounded up to the attention window (the graph pads to it
     * anyway), capped at the model's limit, which is always a bucket so that every window fits one.
     */
    public List<Integer> lengthsFor(int maxTokens, int padMultiple) {
        List<Integer> wanted = new ArrayList<>(lengths.isEmpty() ? List.of(512, 1024, 2048, 4096) : lengths);
        wanted.add(maxTokens);
        List<Integer> out = new ArrayList<>();
        for (int l : wanted) {
            int rounded = Math.min((l + padMultiple - 1) / padMultiple * padMultiple, maxTokens);
            if (rounded > 0 && !out.contains(rounded)) {
                out.add(rounded);
            }
        }
        out.sort(null);
        return out;
    }

    /** {@code cacheDir/<name>}, created; a fresh temporary directory when no cache directory is set. */
    public Path engineCache(String name) {
        try {
            Path dir = cacheDir != null ? cacheDir.resolve(name) : Files.createTempDirectory("kembed-" + name);
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the engine cache " + (cacheDir != null ? cacheDir.resolve(name) : name) + ": "
                    + e.getMessage(), e);
        }
    }

    public GpuSettings withCacheDir(Path dir) {
        return new GpuSettings(lengths, batch, globalSlots, dir, ortTensorRt, device);
    }
}
