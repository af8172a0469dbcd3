package dev.kembed.stream;

import dev.kembed.embed.DocumentWindows;
import dev.kembed.text.Chunk;
import dev.kembed.text.ChunkPooler;
import dev.kembed.text.WindowPlan;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * A document's chunk records: each version's chunk vectors pooled from its windows' kept results
 * (through the core, {@link DocumentWindows}), forwarded with the document record, and tombstones
 * for the chunk keys an earlier version had and this one has not (or all of them, at a delete).
 */
final class ChunkEmitter {
    /** A chunk of the version being emitted, with its vector and its store key. */
    record ChunkRecord(String storeKey, Chunk chunk, float[] vector) {}

    private final ChunkOutput out;
    private final WindowPlan plan;
    private final DocumentStores stores;
    private final OutputRecords records;
    private final PipelineMetrics metrics;
    private final ProcessorContext<String, Emitted> ctx;

    ChunkEmitter(ChunkOutput out, WindowPlan plan, DocumentStores stores, OutputRecords records, PipelineMetrics metrics,
            ProcessorContext<String, Emitted> ctx) {
        this.out = out;
        this.plan = plan;
        this.stores = stores;
        this.records = records;
        this.metrics = metrics;
        this.ctx = ctx;
    }

    /**
     * The version's chunks with their vectors, pooled from its windows' kept results.
     *
     * @throws IllegalStateException when a chunk lacks results (e.g. a restart changed {@code kembed.chunk.context} under a version in flight)
     */
    List<ChunkRecord> pooled(String id, long generation) {
        List<KeyValue<String, Chunk>> stored = stores.versionChunks(id, generation);
        List<Chunk> chunks = stored.stream().map(kv -> kv.value).toList();
        boolean late = out.late();
        ChunkPooler pooler = DocumentWindows.chunkPooler(plan, chunks, late);
        for (StoredResult r : stores.versionResults(id, generation)) {
            DocumentWindows.poolChunk(pooler, late, r.window(), r.result());
        }
        List<float[]> vectors = pooler.vectors(plan.settings().normalize());
        List<ChunkRecord> records = new ArrayList<>(chunks.size());
        for (int i = 0; i < chunks.size(); i++) {
            records.add(new ChunkRecord(stored.get(i).key, chunks.get(i), vectors.get(i)));
        }
        return records;
    }

    /** The version's chunk records, built once: their size is checked before any is written. */
    List<Emitted.Chunk> values(String id, DocState state, List<ChunkRecord> chunks) {
        List<Emitted.Chunk> values = new ArrayList<>(chunks.size());
        for (ChunkRecord c : chunks) {
            values.add(new Emitted.Chunk(records.chunk(id, state, c.chunk(), chunks.size(), c.vector(), out.context(), out.withText())));
        }
        return values;
    }

    /**
     * Every chunk of the version ({@code values}, built from {@code chunks}), then tombstones for the
     * keys of the last emitted version that this one no longer has: forwarded in the same call as
     * the document record, so one transaction holds them all.
     */
    void emit(String id, List<ChunkRecord> chunks, List<Emitted.Chunk> values, long now) {
        for (int i = 0; i < chunks.size(); i++) {
            ctx.forward(new Record<String, Emitted>(Chunk.key(id, chunks.get(i).chunk().index()), values.get(i), now), Names.CHUNKS_SINK);
        }
        retract(id, chunks.size(), now);
        stores.chunkCounts.put(id, chunks.size());
        chunks.forEach(c -> stores.pendingChunks.delete(c.storeKey()));
        metrics.chunksOut(chunks.size());
    }

    /** A deleted document: tombstones for every chunk key it emitted. */
    void delete(String id, long timestamp) {
        retract(id, 0, timestamp);
        stores.chunkCounts.delete(id);
    }

    /** Tombstones for the document's emitted chunk keys from index {@code from} on. */
    private void retract(String id, int from, long timestamp) {
        Integer emitted = stores.chunkCounts.get(id);
        for (int i = from; emitted != null && i < emitted; i++) {
            ctx.forward(new Record<String, Emitted>(Chunk.key(id, i), null, timestamp), Names.CHUNKS_SINK);
        }
    }
}
