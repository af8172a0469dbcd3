package dev.kembed.text;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kembed.testing.Paragraphs;
import dev.kembed.testing.TokenizerTestBase;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Text-aware window boundaries: an inserted paragraph changes only the windows near it (fixed
 * boundaries shift every later window), and every window invariant still holds.
 */
public class TextBoundariesTest extends TokenizerTestBase {
    static final int MAX_TOKENS = 128;

    /** LateChunkingEngineTest (a model test, left to the lead's re-cut) still asks here. */
    public static List<String> paragraphs(int n, long seed) {
        return Paragraphs.of(n, seed);
    }

    /** What makes a window's result: its token ids and which of them it owns. */
    static String identity(TextWindow w) {
        return Arrays.toString(w.ids()) + Arrays.toString(w.poolMask());
    }

    static int changed(List<TextWindow> before, List<TextWindow> after) {
        Set<String> old = new HashSet<>();
        before.forEach(w -> old.add(identity(w)));
        return (int) after.stream().filter(w -> !old.contains(identity(w))).count();
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 16})
    void anInsertedParagraphChangesOnlyNearbyWindows(int overlap) {
        List<String> paras = Paragraphs.of(120, 3);
        String before = String.join("\n\n", paras);
        List<String> edited = new ArrayList<>(paras);
        edited.add(paras.size() / 2, Paragraphs.of(1, 99).get(0));
        String after = String.join("\n\n", edited);

        Windower text = new Windower(MAX_TOKENS, overlap, 0, 2, Boundaries.TEXT);
        Windower fixed = new Windower(MAX_TOKENS, overlap, 0, 2, Boundaries.FIXED);
        TokenizedText a = tokenizer.tokenize(before);
        TokenizedText b = tokenizer.tokenize(after);
        List<TextWindow> textBefore = text.cut(a);
        List<TextWindow> textAfter = text.cut(b);
        assertThat(textBefore).hasSizeGreaterThanOrEqualTo(20);
        int textChanged = changed(textBefore, textAfter);
        int fixedChanged = changed(fixed.cut(a), fixed.cut(b));
        System.out.printf("overlap %d: %d windows; an inserted paragraph changes %d with text boundaries, %d with fixed%n", overlap,
                textBefore.size(), textChanged, fixedChanged);
        // the window holding the insertion, at most one neighbour, then the cuts land on the same paragraph breaks again
        assertThat(textChanged).isLessThanOrEqualTo(3);
        assertThat(fixedChanged).isGreaterThan(textBefore.size() / 3);
        // and from the first re-aligned window on, the rest of the document is window-for-window the same
        int firstSame = textAfter.size() - 1;
        while (firstSame > 0 && identity(textAfter.get(firstSame - 1)).equals(identity(textBefore.get(textBefore.size() - textAfter.size() + firstSame - 1)))) {
            firstSame--;
        }
        assertThat(textAfter.size() - firstSame).as("identical tail").isGreaterThanOrEqualTo(textAfter.size() / 2 - 3);
        assertThat(textAfter.stream().filter(w -> w.cut() == Windower.Cut.PARAGRAPH || w.cut() == Windower.Cut.SENTENCE).count())
                .as("most cuts end a paragraph or a sentence").isGreaterThan(textAfter.size() * 3 / 4);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 16, 60})
    void textWindowsKeepEveryInvariant(int overlap) {
        String text = String.join("\n\n", Paragraphs.of(60, 5)) + " " + "x".repeat(2000) + " tail."; // one word longer than a window
        TokenizedText doc = tokenizer.tokenize(text);
        List<TextWindow> windows = new Windower(MAX_TOKENS, overlap, 0, 2, Boundaries.TEXT).cut(doc);
        int[] owned = new int[doc.size()];
        for (TextWindow w : windows) {
            assertThat(w.length()).isLessThanOrEqualTo(MAX_TOKENS);
            assertThat(w.ids()[0]).isZero();
            assertThat(w.ids()[w.length() - 1]).isEqualTo(2);
            for (int t = w.tokenStart(); t < w.tokenEnd(); t++) {
                owned[t] += w.poolMask()[1 + t - w.tokenStart()];
            }
            assertThat(w.charStart()).isEqualTo(doc.charStart()[w.tokenStart()]);
            assertThat(w.charEnd()).isEqualTo(doc.charEnd()[w.tokenEnd() - 1]);
            String span = text.substring(w.charStart(), w.charEnd());
            assertThat(span).startsWith(text.substring(doc.charStart()[w.tokenStart()], doc.charEnd()[w.tokenStart()]));
        }
        assertThat(owned).as("every token owned exactly once").containsOnly(1);
        assertThat(windows).extracting(TextWindow::cut).contains(Windower.Cut.LIMIT, Windower.Cut.PARAGRAPH, Windower.Cut.END);
    }
}
