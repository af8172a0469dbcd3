package dev.kembed.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kembed.testing.TestModels;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class WindowerTest {
    @TempDir
    static Path tmp;

    /** 20,000 content tokens, 4096-token windows (4094 content): 5 windows without overlap, 6 with 256. */
    @ParameterizedTest
    @CsvSource({"0, 5", "256, 6"})
    void twentyThousandTokens(int overlap, int expectedWindows) {
        int n = 20_000;
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = 10 + i % 1000;
        }
        Windower w = new Windower(4096, overlap, 0, 2);
        List<TextWindow> windows = w.cut(ids, null, null);
        assertThat(windows).hasSize(expectedWindows);
        assertThat(w.windowCount(n)).isEqualTo(expectedWindows);
        int[] covered = new int[n];
        int[] owned = new int[n];
        for (int k = 0; k < windows.size(); k++) {
            TextWindow win = windows.get(k);
            assertThat(win.length()).isLessThanOrEqualTo(4096);
            assertThat(win.ids()[0]).isEqualTo(0);
            assertThat(win.ids()[win.length() - 1]).isEqualTo(2);
            assertThat(win.poolMask()[0]).isZero();
            assertThat(win.poolMask()[win.length() - 1]).isZero();
            for (int t = win.tokenStart(); t < win.tokenEnd(); t++) {
                covered[t]++;
                assertThat(win.ids()[1 + t - win.tokenStart()]).isEqualTo(ids[t]);
                owned[t] += win.poolMask()[1 + t - win.tokenStart()];
            }
            if (k > 0) {
                assertThat(windows.get(k - 1).tokenEnd() - win.tokenStart()).as("overlap").isEqualTo(overlap);
            }
            if (k < windows.size() - 1) {
                assertThat(win.length()).as("all but the last window are full").isEqualTo(4096);
            }
        }
        for (int t = 0; t < n; t++) {
            assertThat(covered[t]).as("token %d covered", t).isGreaterThanOrEqualTo(1);
            assertThat(owned[t]).as("token %d pooled exactly once", t).isEqualTo(1);
        }
    }

    @Test
    void shortDocumentIsOneWindow() {
        List<TextWindow> ws = new Windower(4096, 256, 0, 2).cut(new int[] {5, 6, 7}, null, null);
        assertThat(ws).hasSize(1);
        assertThat(ws.get(0).ids()).containsExactly(0, 5, 6, 7, 2);
        assertThat(ws.get(0).poolMask()).containsExactly(0, 1, 1, 1, 0);
    }

    @Test
    void overlapMustLeaveRoomToAdvance() {
        assertThatThrownBy(() -> new Windower(16, 14, 0, 2)).hasMessageContaining("overlap must be between 0 and max_tokens - 3 = 13");
    }

    @ParameterizedTest
    @CsvSource({"0", "256"})
    void spansOfRealTextSubstringBackToTheWindowText(int overlap) {
        Path model = TestModels.tiny(tmp.resolve("tiny"));
        try (DocumentTokenizer tok = DocumentTokenizer.open(model, 100_000)) {
            String text = TestModels.longText(9000);
            TokenizedText doc = tok.tokenize(text);
            assertThat(doc.size()).isGreaterThan(20_000);
            Windower w = new Windower(4096, overlap, 0, 2);
            List<TextWindow> windows = w.cut(doc);
            assertThat(windows).hasSize(w.windowCount(doc.size()));
            int exact = 0;
            for (TextWindow win : windows) {
                assertThat(win.length()).isLessThanOrEqualTo(4096);
                assertThat(win.charStart()).isBetween(0, text.length());
                assertThat(win.charEnd()).isBetween(win.charStart(), text.length());
                assertThat(Character.isLowSurrogate(text.charAt(win.charStart()))).as("span starts inside a surrogate pair").isFalse();
                String span = text.substring(win.charStart(), win.charEnd());
                int[] content = java.util.Arrays.copyOfRange(win.ids(), 1, win.length() - 1);
                String decoded = tok.decode(content);
                if (decoded.contains("\uFFFD")) {
                    // the window edge cut a multi-byte character into byte tokens: the span covers the whole character
                    assertThat(span).contains(decoded.replace("\uFFFD", "").strip());
                } else {
                    assertThat(decoded.strip()).isEqualTo(span.strip());
                    exact++;
                }
            }
            assertThat(exact).as("windows whose decoded text equals their span exactly").isGreaterThanOrEqualTo(1);
            // token spans: every token's span is inside the text, and spans never go backwards
            for (int i = 1; i < doc.size(); i++) {
                assertThat(doc.charStart()[i]).isGreaterThanOrEqualTo(doc.charStart()[i - 1]);
            }
        }
    }

    @Test
    void emojiAndAccentSpansAreJavaCharOffsets() {
        Path model = TestModels.tiny(tmp.resolve("tiny"));
        try (DocumentTokenizer tok = DocumentTokenizer.open(model, 100_000)) {
            String text = "😀😀 café naïve";
            TokenizedText doc = tok.tokenize(text);
            int cafeStart = text.indexOf("café");
            boolean found = false;
            for (int i = 0; i < doc.size(); i++) {
                if (doc.charStart()[i] == cafeStart) {
                    found = true;
                }
            }
            assertThat(found).as("a token starts at the Java offset of 'café' (%d), not its code point offset", cafeStart).isTrue();
            assertThat(doc.charEnd()[doc.size() - 1]).isEqualTo(text.length());
        }
    }

    @Test
    void emptyAndBlankTextAreClearErrors() {
        Path model = TestModels.tiny(tmp.resolve("tiny"));
        try (DocumentTokenizer tok = DocumentTokenizer.open(model, 100_000)) {
            assertThatThrownBy(() -> tok.tokenize("")).isInstanceOf(BadInputException.class).hasMessageContaining("empty");
            assertThatThrownBy(() -> tok.tokenize(" \n\t ")).isInstanceOf(BadInputException.class).hasMessageContaining("only whitespace");
        }
    }

    @Test
    void noSilentTruncationAt512() {
        Path model = TestModels.tiny(tmp.resolve("tiny"));
        try (DocumentTokenizer tok = DocumentTokenizer.open(model, 100_000)) {
            assertThat(tok.tokenize(TestModels.longText(2000)).size()).isGreaterThan(2000);
        }
    }
}
