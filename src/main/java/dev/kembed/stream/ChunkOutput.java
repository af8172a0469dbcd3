package dev.kembed.stream;

import dev.kembed.text.ChunkContext;
import dev.kembed.text.Chunker;

/**
 * The chunks topic's settings, typed (the app's config layer validates them).
 *
 * @param topic    where chunk records go ({@code kembed.chunks.topic})
 * @param chunker  how documents are cut into chunks ({@code kembed.chunk.max.tokens}; {@link Chunker#PER_WINDOW} for 0)
 * @param context  what a chunk's vector sees ({@code kembed.chunk.context})
 * @param withText whether records carry the chunk's text ({@code kembed.chunk.text})
 */
public record ChunkOutput(String topic, Chunker chunker, ChunkContext context, boolean withText) {
    /** Whether the engine pools chunk slots in its graph: late chunking, in the windows the document runs in anyway. */
    public boolean late() {
        return context == ChunkContext.WINDOW;
    }
}
