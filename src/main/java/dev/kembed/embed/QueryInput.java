package dev.kembed.embed;

/**
 * One input of a query request: a text, or the model's content token ids (no special tokens) for
 * callers that tokenize themselves. Exactly one of the two is set.
 */
public record QueryInput(String text, int[] ids) {
    public QueryInput {
        if ((text == null) == (ids == null)) {
            throw new IllegalArgumentException("a query input is a text or token ids, not both or neither");
        }
    }

    public static QueryInput text(String text) {
        return new QueryInput(text, null);
    }

    public static QueryInput ids(int[] ids) {
        return new QueryInput(null, ids);
    }
}
