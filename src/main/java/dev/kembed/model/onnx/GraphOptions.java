package dev.kembed.model.onnx;

import java.util.Locale;
import java.util.Objects;

/**
 * How a graph is specialised.
 *
 * @param globalAttention include Longformer's global-attention path (ignored for the bert family)
 * @param staticBatch     a fixed batch size, or 0 for a dynamic one (ONNX Runtime)
 * @param staticLength    a fixed sequence length, or 0 for a dynamic one; TensorRT needs both fixed
 * @param globalSlots     how many global tokens per sequence the graph gathers; 0 = as many as the
 *                        batch holds (dynamic, ONNX Runtime only)
 * @param linear          how the projections and feed-forward layers are written (fp32 or an int8 format);
 *                        LayerNorm, softmax, GELU and the attention products stay float32 in every format
 * @param tensorRt8       write only what TensorRT 8.4's ONNX parser takes: static shapes, LayerNorm
 *                        decomposed (it has no LayerNormalization), no Mod, CumSum on floats
 * @param chunkSlots      0, or how many chunks one window may pool (late chunking): the graph then takes
 *                        {@code chunk_slot} (each token's chunk slot, -1 = none) and returns per-slot sums
 *                        and counts, so no {@code [L, H]} tensor crosses back to the host
 * @param queryBlock      full-attention layers score this many query rows at a time against every key,
 *                        so no {@code [B, heads, L, L]} tensor exists (3.2 GB per sequence and layer at
 *                        8192 tokens, and past TensorRT's 2^31 - 1 elements from batch 3)
 */
public record GraphOptions(boolean globalAttention, int staticBatch, int staticLength, int globalSlots, LinearFormat linear,
        boolean tensorRt8, int chunkSlots, int queryBlock) {
    /**
     * The version of the graphs kembed writes. Raise it with any change that can change a graph's
     * outputs: window identities ({@code WindowIdentity}) and the TensorRT cache key carry it, so
     * results stored or compiled by an older build are never reused.
     */
    public static final int FORMAT_VERSION = 2;
    /** Query rows per full-attention block. */
    public static final int QUERY_BLOCK = 1024;

    public GraphOptions(boolean globalAttention, int staticBatch, int staticLength, int globalSlots, LinearFormat linear, boolean tensorRt8,
            int chunkSlots) {
        this(globalAttention, staticBatch, staticLength, globalSlots, linear, tensorRt8, chunkSlots, QUERY_BLOCK);
    }

    public GraphOptions {
        if (queryBlock <= 0) {
            throw new IllegalArgumentException("the full-attention query block must be positive");
        }
        if (staticBatch < 0 || staticLength < 0 || globalSlots < 0 || chunkSlots < 0) {
            throw new IllegalArgumentException("graph sizes must be >= 0");
        }
        Objects.requireNonNull(linear, "linear");
        if (tensorRt8 && (staticBatch == 0 || staticLength == 0 || (globalAttention && globalSlots == 0))) {
            throw new IllegalArgumentException("a TensorRT 8 graph needs a static batch, length and number of global slots");
        }
        if (tensorRt8 && linear != LinearFormat.FP32) {
            throw new IllegalArgumentException("a TensorRT 8 graph is written in float32; TensorRT lowers precision when it builds the engine");
        }
    }

    public GraphOptions(boolean globalAttention, int staticBatch, int staticLength, int globalSlots) {
        this(globalAttention, staticBatch, staticLength, globalSlots, LinearFormat.FP32, false, 0);
    }

    /** One static (batch, length) bucket for TensorRT 8 (DJL's TensorRT engine: no dynamic shapes). */
    public static GraphOptions tensorRt8(boolean globalAttention, int batch, int length, int globalSlots) {
        return new GraphOptions(globalAttention, batch, length, globalAttention ? globalSlots : 0, LinearFormat.FP32, true, 0);
    }

    /**
     * What besides the checkpoint and the window fixes this graph's numbers: the builder's format
     * version, the linear format and the TensorRT 8 variant (its LayerNorm is written out). Batch
     * and length are left out: they do not change a window's result beyond float noise.
     */
    public String numerics() {
        return "graph-v" + FORMAT_VERSION + "/" + linear.name().toLowerCase(Locale.ROOT)
                + (tensorRt8 ? "/trt8" : "") + (globalAttention ? "/global" : "");
    }

    public static GraphOptions dynamic(boolean globalAttention) {
        return new GraphOptions(globalAttention, 0, 0, 0);
    }

    public GraphOptions withLinear(LinearFormat format) {
        return new GraphOptions(globalAttention, staticBatch, staticLength, globalSlots, format, tensorRt8, chunkSlots, queryBlock);
    }

    /** The same graph with per-chunk pooling over {@code slots} chunk slots per window (0 = none). */
    public GraphOptions withChunkSlots(int slots) {
        return new GraphOptions(globalAttention, staticBatch, staticLength, globalSlots, linear, tensorRt8, slots, queryBlock);
    }

    /** The same graph with full-attention layers in blocks of {@code rows} query rows (same numbers; tests use small blocks). */
    public GraphOptions withQueryBlock(int rows) {
        return new GraphOptions(globalAttention, staticBatch, staticLength, globalSlots, linear, tensorRt8, chunkSlots, rows);
    }
}
