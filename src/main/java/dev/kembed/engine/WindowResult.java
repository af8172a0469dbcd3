package dev.kembed.engine;

/**
 * The engine's answer for one window.
 *
 * @param cls         hidden state of the first token
 * @param sum         sum of hidden states over tokens with poolMask 1
 * @param count       number of such tokens
 * @param tokenStates [length][H] hidden states, or null unless asked for
 * @param chunkSums   [chunks][H] sums of hidden states per chunk slot (late chunking), or null
 *                    when the window had no chunk slots
 * @param chunkCounts tokens per chunk slot, or null likewise
 */
public record WindowResult(float[] cls, float[] sum, float count, float[][] tokenStates, float[][] chunkSums, float[] chunkCounts) {
    public WindowResult(float[] cls, float[] sum, float count, float[][] tokenStates) {
        this(cls, sum, count, tokenStates, null, null);
    }

    /** This result without the token states (a window that did not ask for them shared a batch with one that did). */
    public WindowResult withoutTokenStates() {
        return tokenStates == null ? this : new WindowResult(cls, sum, count, null, chunkSums, chunkCounts);
    }
}
