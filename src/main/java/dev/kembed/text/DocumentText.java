package dev.kembed.text;

/** What counts as a document's text: the one rule, called by the decoder and by {@link WindowPlan}. */
public final class DocumentText {
    private DocumentText() {}

    /** Throws a {@link BadInputException} for text that can never become a vector. */
    public static String check(String text) {
        if (text == null || text.isEmpty()) {
            throw new BadInputException("empty-text", "the document text is empty");
        }
        if (text.isBlank()) {
            throw new BadInputException("blank-text", "the document text is only whitespace");
        }
        return text;
    }
}
