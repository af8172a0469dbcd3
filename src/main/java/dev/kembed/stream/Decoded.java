package dev.kembed.stream;

/** What the decode processor forwards: a document for the embed processor, or a dead letter. */
public sealed interface Decoded permits DocumentEvent, DeadLetter {}
