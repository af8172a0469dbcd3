package dev.kembed.stream;

import java.util.Map;

/**
 * A decoded input event: either {@code text} or pre-tokenized {@code inputIds} (content ids from
 * the model's own tokenizer, no special tokens) is set. {@code source} is set once the event leaves
 * the decode processor.
 */
public record DocumentEvent(String id, String text, int[] inputIds, Map<String, String> metadata, Long version, Long timestamp,
        SourceRecord source) implements Decoded {
    /** The same event, read from {@code source} (the decoder does not know where its bytes came from). */
    DocumentEvent from(SourceRecord source) {
        return new DocumentEvent(id, text, inputIds, metadata, version, timestamp, source);
    }
}
