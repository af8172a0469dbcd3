package dev.kembed.stream;

import dev.kembed.avro.DocumentEmbedding;
import dev.kembed.avro.ChunkEmbedding;

/** What the embed processor forwards: to the output topic, the chunks topic, or the dead-letter router. */
public sealed interface Emitted permits Emitted.Document, Emitted.Chunk, DeadLetter {
    record Document(DocumentEmbedding record) implements Emitted {}

    record Chunk(ChunkEmbedding record) implements Emitted {}
}
