package dev.kembed.engine;

import java.util.List;

/**
 * The padded lengths an engine built for fixed shapes takes (TensorRT's engines, ONNX Runtime's
 * TensorRT profiles), handed over by its {@link EngineInfo#shapeBuckets()}: the queue batches by
 * {@link #bucket} and the engine pads to the same length, so such an engine only ever sees its own
 * shapes. Empty for an engine that takes any length. Lives in the contract so the queue needs no
 * engine adapter to know it.
 *
 * @param lengths the static lengths, sorted
 */
public record ShapeBuckets(List<Integer> lengths) {
    public ShapeBuckets {
        lengths = lengths.stream().sorted().toList();
    }

    /** No static shapes: any length runs. */
    public static final ShapeBuckets ANY_LENGTH = new ShapeBuckets(List.of());

    public boolean isEmpty() {
        return lengths.isEmpty();
    }

    /** The longest static length (not empty). */
    public int largest() {
        return lengths.get(lengths.size() - 1);
    }

    /**
     * The smallest static length that holds {@code length} tokens; a longer window is the window's
     * fault.
     */
    public int bucket(int length) {
        for (int l : lengths) {
            if (l >= length) {
                return l;
            }
        }
        throw EngineException.badWindow("window-too-long",
                "a window of " + length + " tokens is longer than the engine's largest shape " + largest());
    }
}
