package dev.kembed.model.arch;

/**
 * What decoder embedders (Qwen3-Embedding, Qwen2-based gte/stella) add to a config.
 *
 * @param headDim  per-head width ({@code head_dim}: Qwen3's heads are not hidden_size / heads wide)
 * @param kvHeads  key/value heads (grouped-query attention: each serves heads / kvHeads query heads)
 * @param qkNorm   RMSNorm on every query and key head before RoPE (Qwen3; not Qwen2)
 */
public record DecoderSettings(int headDim, int kvHeads, boolean qkNorm) {
    /** Encoders: heads are hidden_size / heads wide, one key/value head per query head. */
    public static final DecoderSettings NONE = new DecoderSettings(0, 0, false);

    public boolean isDecoder() {
        return headDim > 0;
    }
}
