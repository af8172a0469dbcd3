package dev.kembed.embed;

import dev.kembed.text.TextWindow;
import java.util.List;

/**
 * One document's vector and how it was made.
 *
 * @param tokens content tokens of the document (special tokens excluded)
 */
public record DocumentVector(float[] vector, int tokens, List<TextWindow> windows) {
    public int dimension() {
        return vector.length;
    }
}
