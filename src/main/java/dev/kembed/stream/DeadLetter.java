package dev.kembed.stream;

/**
 * A record bound for the dead-letter topic: the original key and value bytes (or, for failures
 * after decoding, a small JSON body naming the document) and why.
 *
 * @param reason short code for the {@code kembed.error.reason} header
 * @param source the failed document's own input record (the {@code kembed.source.*} headers)
 */
public record DeadLetter(byte[] key, byte[] value, String reason, String message, SourceRecord source) implements Decoded, Emitted {}
