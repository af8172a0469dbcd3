package dev.kembed.stream;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.processor.StreamPartitioner;

/**
 * Sends a chunk record (key {@code <id>#<index>}) to the partition of its document id, hashed as
 * the default partitioner hashes the document record's key (murmur2 of the id's UTF-8 bytes, the
 * bytes {@code StringSerializer} writes). With as many chunks partitions as output partitions (a
 * start-up check) a document's record and its chunks share a partition number, and a sink that
 * applies each partition in order sees all chunks and tombstones of one document in the order
 * they were written: never two versions interleaved.
 */
final class ChunkPartitioner implements StreamPartitioner<String, Emitted> {
    @Override
    public Optional<Set<Integer>> partitions(String topic, String key, Emitted value, int numPartitions) {
        return Optional.of(Set.of(partitionOf(documentId(key), numPartitions)));
    }

    /** The default partitioner's choice for a record keyed {@code id}. */
    static int partitionOf(String id, int numPartitions) {
        return Utils.toPositive(Utils.murmur2(id.getBytes(StandardCharsets.UTF_8))) % numPartitions;
    }

    /** The id of a chunk key: everything before the last {@code #} (an id may hold {@code #} itself; the index never does). */
    static String documentId(String chunkKey) {
        int hash = chunkKey.lastIndexOf('#');
        if (hash < 0) {
            throw new IllegalArgumentException("a chunk key is <id>#<index>, got " + chunkKey);
        }
        return chunkKey.substring(0, hash);
    }
}
