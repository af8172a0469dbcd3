package dev.kembed.model.arch;

/**
 * One build's embeddings and layers, as an architecture computes them: the frame
 * ({@link EncoderGraphBuilder}) calls {@link #embeddings()}, then {@link #layer} for every layer,
 * then {@link #finish}, and writes the outputs. An instance may keep what its layers share (rotary
 * tables, global-token slots).
 */
public interface EncoderLayers {
    /** [B, Lp, H] from the padded input ids. */
    String embeddings();

    /** Layer {@code i} over {@code x} [B, Lp, H]. */
    String layer(int i, String x);

    /** After the last layer (a final norm where the architecture has one). */
    default String finish(String x) {
        return x;
    }
}
