package dev.kembed.stream;

import java.util.Map;

/**
 * A decoded input event: either {@code text} or pre-tokenized {@code inputIds} (content ids from
 * the model's own tokenizer, no special tokens) is set.
 */
public record DocumentEvent(String id, String text, int[] inputIds, Map<String, String> metadata, Long version, Long timestamp)
        implements Decoded {}
