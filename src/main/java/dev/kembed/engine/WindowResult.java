package dev.kembed.engine;

/**
 * The engine's answer for one window.
 *
 * @param cls         hidden state of the first token
 * @param sum         sum of hidden states over tokens with poolMask 1
 * @param count       number of such tokens
 * @param tokenStates [length][H] hidden states, or null unless asked for
 */
public record WindowResult(float[] cls, float[] sum, float count, float[][] tokenStates) {}
