package dev.kembed.stream;

import dev.kembed.avro.DocumentEmbedding;
import dev.kembed.avro.WindowEmbedding;

/** What the embed processor forwards: to the output topic, the windows topic, or the dead-letter router. */
public sealed interface Emitted permits Emitted.Document, Emitted.Window, DeadLetter {
    record Document(DocumentEmbedding record) implements Emitted {}

    record Window(WindowEmbedding record) implements Emitted {}
}
