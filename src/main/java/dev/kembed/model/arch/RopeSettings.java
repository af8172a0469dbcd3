package dev.kembed.model.arch;

/**
 * What the rotary families (ModernBERT, NomicBERT) add to a config: their RoPE bases, which
 * optional biases the checkpoint has, and NomicBERT's dynamic NTK scaling.
 *
 * @param globalTheta         RoPE base of full-attention layers (NomicBERT: every layer)
 * @param localTheta          RoPE base of sliding-window layers (ModernBERT)
 * @param attentionBias       q/k/v and output projections carry biases
 * @param mlpBias             the feed-forward layers carry biases
 * @param normBias            LayerNorms carry biases
 * @param scalingFactor       NomicBERT's {@code rotary_scaling_factor} (dynamic NTK), or 0 for none
 * @param maxTrainedPositions NomicBERT: the length past which dynamic NTK scaling starts
 */
public record RopeSettings(double globalTheta, double localTheta, boolean attentionBias, boolean mlpBias, boolean normBias, double scalingFactor,
        int maxTrainedPositions) {
    /** Families without rotary positions. */
    public static final RopeSettings NONE = new RopeSettings(0, 0, true, true, true, 0, 0);

    public boolean rotary() {
        return globalTheta > 0;
    }
}
