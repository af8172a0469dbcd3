package dev.kembed.stream;

/**
 * A record bound for the dead-letter topic: the original key and value bytes (or, for failures
 * after decoding, a small JSON body naming the document) and why.
 *
 * @param reason short code for the {@code kembed.error.reason} header
 */
public record DeadLetter(byte[] key, byte[] value, String reason, String message) implements Decoded, Emitted {}
