package dev.kembed.stream;

import dev.kembed.text.EmbeddingSettings;
import dev.kembed.text.WindowPlan;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * What produced a piece of in-flight state, hashed: the model and its precision, the prompt,
 * pooling and mean scope, normalization, the window plan (size, overlap, boundaries, global
 * attention) and the chunk settings. Two pipelines with the same fingerprint turn the same text
 * into the same windows and the same vectors, so state one left can be finished by the other;
 * anything else must start again from the text.
 *
 * <p>{@link #embedding} leaves the topics out (what a vector is); {@link #of} adds the chunk
 * settings (what a document's chunk records are).
 */
public final class StateFingerprint {
    private StateFingerprint() {}

    /** What turns a text into its document vector: model, precision, prompt, pooling, windows. */
    public static String embedding(WindowPlan plan) {
        EmbeddingSettings s = plan.settings();
        return hash(String.join("\n", "model=" + plan.fingerprint(), "dimension=" + plan.engine().dimension(),
                "pooling=" + s.pooling().name(), "mean=" + s.meanScope().name(), "normalize=" + s.normalize(),
                "window=" + plan.maxTokens(), "overlap=" + s.overlap(), "boundaries=" + s.boundaries().name(),
                "global=" + plan.globalCls(), "prompt=" + s.prompt()));
    }

    /** {@link #embedding} and how chunks are cut and embedded ({@code none} without a chunks topic). */
    public static String of(WindowPlan plan, ChunkOutput chunks) {
        return hash(embedding(plan) + "\nchunks=" + chunks(chunks));
    }

    /** The chunk settings as a line (the chunks topic apart): {@code none}, or size, context and text. */
    public static String chunks(ChunkOutput chunks) {
        return chunks == null ? "none"
                : "max.tokens=" + chunks.chunker().maxTokens() + " context=" + chunks.context().name() + " text=" + chunks.withText();
    }

    private static String hash(String s) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(h, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
