package dev.kembed.model.arch;

import java.util.Map;

/** The shapes of the two layer kinds every architecture's weight list is made of. */
final class WeightShapes {
    private WeightShapes() {}

    static void norm(Map<String, int[]> s, String prefix, int h, boolean bias) {
        s.put(prefix + ".weight", new int[] {h});
        if (bias) {
            s.put(prefix + ".bias", new int[] {h});
        }
    }

    static void linear(Map<String, int[]> s, String prefix, int out, int in, boolean bias) {
        s.put(prefix + ".weight", new int[] {out, in});
        if (bias) {
            s.put(prefix + ".bias", new int[] {out});
        }
    }
}
