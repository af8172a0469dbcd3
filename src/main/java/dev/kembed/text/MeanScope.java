package dev.kembed.text;

/**
 * Which tokens mean pooling averages. kembed's own rule is {@link #CONTENT}: the document's content
 * tokens, each once. sentence-transformers averages every attended token instead: with a
 * sentence-transformers directory kembed follows it, so a single-window text gets exactly
 * sentence-transformers' vector; a longer text adds each window's own specials (and prompt) to its
 * owned content tokens.
 */
public enum MeanScope {
    /** The content tokens a window owns (kembed's rule). */
    CONTENT,
    /** Also {@code <s>}, the prompt and {@code </s>} of every window (sentence-transformers, include_prompt true). */
    ALL_TOKENS,
    /** Also {@code </s>} of every window, not {@code <s>} nor the prompt (sentence-transformers, include_prompt false). */
    ALL_BUT_PROMPT
}
