package dev.kembed;

/** Java source with what is not code blanked out, for rules that read names written in code. */
final class JavaCode {
    private JavaCode() {}

    /**
     * The source with comments and the contents of string, text-block and char literals replaced by spaces;
     * line breaks are kept so positions still match lines.
     */
    static String withoutCommentsAndLiterals(String src) {
        StringBuilder out = new StringBuilder(src.length());
        int i = 0;
        int n = src.length();
        while (i < n) {
            char c = src.charAt(i);
            if (src.startsWith("//", i)) {
                int end = src.indexOf('\n', i);
                i = blank(src, i, end < 0 ? n : end, out);
            } else if (src.startsWith("/*", i)) {
                int end = src.indexOf("*/", i + 2);
                i = blank(src, i, end < 0 ? n : end + 2, out);
            } else if (src.startsWith("\"\"\"", i)) {
                i = blank(src, i, literalEnd(src, i + 3, "\"\"\""), out);
            } else if (c == '"' || c == '\'') {
                i = blank(src, i, literalEnd(src, i + 1, String.valueOf(c)), out);
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    /** Where a literal opened before {@code from} ends: just after its closing quote, escapes skipped. */
    private static int literalEnd(String src, int from, String close) {
        int i = from;
        while (i < src.length()) {
            if (src.charAt(i) == '\\') {
                i += 2;
            } else if (src.startsWith(close, i)) {
                return i + close.length();
            } else {
                i++;
            }
        }
        return src.length();
    }

    private static int blank(String src, int from, int to, StringBuilder out) {
        for (int i = from; i < to; i++) {
            out.append(src.charAt(i) == '\n' ? '\n' : ' ');
        }
        return to;
    }
}
