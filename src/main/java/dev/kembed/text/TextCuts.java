package dev.kembed.text;

import dev.kembed.text.Windower.Cut;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a run of tokens is cut into spans of at most {@code capacity} tokens: the one rule that
 * windows ({@link Windower}) and chunks ({@link Chunker}) share. With a text, a span ends at the
 * latest paragraph break in the last half of its budget, else at the latest sentence end or
 * whitespace in its last quarter, else at the limit; without one, at the limit.
 */
final class TextCuts {
    private TextCuts() {}

    /**
     * Spans {@code [start, end, cut ordinal]} covering tokens {@code [0, n)}; each span after the
     * first starts {@code overlap} tokens before the previous one ends.
     *
     * @param text null to cut at fixed counts (then {@code charStart}/{@code charEnd} are unused)
     */
    static List<int[]> spans(int n, int capacity, int overlap, String text, int[] charStart, int[] charEnd) {
        List<int[]> spans = new ArrayList<>();
        int start = 0;
        while (true) {
            int hardEnd = Math.min(start + capacity, n);
            if (hardEnd == n) {
                spans.add(new int[] {start, n, Cut.END.ordinal()});
                return spans;
            }
            int end = hardEnd;
            Cut kind = Cut.LIMIT;
            if (text != null) {
                // a paragraph break anywhere in the last half of the budget wins; sentence ends and whitespace
                // count in the last quarter. Paragraph breaks are rare, so two versions of a text soon pick
                // the same one again; never look back so far that the span holds only its overlap.
                int floor = start + overlap + 1;
                int[] best = bestBoundary(text, charStart, charEnd, Math.max(floor, hardEnd - Math.max(1, capacity / 2)), hardEnd, Cut.PARAGRAPH);
                if (best == null) {
                    best = bestBoundary(text, charStart, charEnd, Math.max(floor, hardEnd - Math.max(1, capacity / 4)), hardEnd, Cut.WHITESPACE);
                }
                if (best != null) {
                    end = best[0];
                    kind = Cut.values()[best[1]];
                }
            }
            spans.add(new int[] {start, end, kind.ordinal()});
            start = end - overlap;
        }
    }

    /**
     * The latest cut {@code end} in [{@code from}, {@code to}] (the span then holds tokens up to
     * {@code end - 1}) of the best kind, judged by the text between token {@code end - 1} and token {@code end}.
     */
    private static int[] bestBoundary(String text, int[] charStart, int[] charEnd, int from, int to, Cut weakest) {
        int[] best = null;
        for (int end = to; end >= from; end--) {
            Cut kind = boundaryBefore(text, charStart, charEnd, end);
            if (kind == null || kind.ordinal() > weakest.ordinal()) {
                continue;
            }
            if (best == null || kind.ordinal() < best[1]) {
                best = new int[] {end, kind.ordinal()};
                if (kind == Cut.PARAGRAPH) {
                    break; // the latest paragraph break: nothing ranks higher
                }
            }
        }
        return best;
    }

    /**
     * The boundary between token {@code end - 1} and token {@code end}, or null when a word
     * continues: judged by the run of whitespace around the cut, which may sit between the tokens'
     * spans or inside them (byte-level BPE keeps newlines as tokens and spaces at word starts).
     */
    private static Cut boundaryBefore(String text, int[] charStart, int[] charEnd, int end) {
        int p = Math.min(Math.min(charEnd[end - 1], charStart[end]), text.length());
        int left = p;
        while (left > 0 && Character.isWhitespace(text.charAt(left - 1)) && left > charStart[end - 1]) {
            left--;
        }
        int right = p;
        int limit = Math.min(charEnd[end], text.length());
        while (right < limit && Character.isWhitespace(text.charAt(right))) {
            right++;
        }
        if (left == right) {
            return null;
        }
        int newlines = 0;
        for (int i = left; i < right; i++) {
            if (text.charAt(i) == '\n') {
                newlines++;
            }
        }
        if (newlines >= 2) {
            return Cut.PARAGRAPH; // a blank line
        }
        char before = left > 0 ? text.charAt(left - 1) : ' ';
        if (before == '.' || before == '!' || before == '?' || before == '\u3002' || before == '\uFF01' || before == '\uFF1F') {
            return Cut.SENTENCE;
        }
        return Cut.WHITESPACE;
    }
}
