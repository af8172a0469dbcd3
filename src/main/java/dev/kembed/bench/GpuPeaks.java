package dev.kembed.bench;

import dev.kembed.engine.Precision;
import java.util.List;
import java.util.Locale;

/**
 * Dense (no sparsity) tensor-core peaks from NVIDIA's datasheets, for {@code bench engine}'s share
 * of peak. fp32 means TF32, which TensorRT and cuBLAS use for fp32 matmuls on Ampere and later;
 * before Ampere it is plain fp32. Matched on nvidia-smi's product name; anything else needs
 * {@code --peak-tflops}.
 */
final class GpuPeaks {
    private record Gpu(String nameContains, double fp16, double fp32) {}

    /** Most specific first: "H100 PCIe" before "H100". */
    private static final List<Gpu> KNOWN = List.of(
            new Gpu("h200", 989.4, 494.7),
            new Gpu("h100 pcie", 756.0, 378.0),
            new Gpu("h100", 989.4, 494.7),
            new Gpu("a100", 312.0, 156.0),
            new Gpu("l40s", 362.1, 183.0),
            new Gpu("l4", 121.0, 60.0),
            new Gpu("a10", 125.0, 62.5),
            new Gpu("t4", 65.0, 8.1),
            new Gpu("v100", 125.0, 15.7));

    private GpuPeaks() {}

    /** TFLOP/s, or null for an unknown GPU or a precision without a tensor-core peak here (int8). */
    static Double denseTflops(String gpuName, Precision precision) {
        String name = gpuName.toLowerCase(Locale.ROOT);
        for (Gpu g : KNOWN) {
            if (name.contains(g.nameContains())) {
                return switch (precision) {
                    case FP16 -> g.fp16();
                    case FP32 -> g.fp32();
                    case INT8 -> null;
                };
            }
        }
        return null;
    }
}
