package dev.kembed.stream;

import dev.kembed.text.Chunk;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The embed processor's six stores and their key layout: documents in flight, what each was
 * admitted from (its input, by document id), their pending windows, kept window results, and (with
 * a chunks topic) chunks in flight and emitted chunk counts. Every key of one document version
 * starts with {@link #generationPrefix}, so a version's or a document's entries are one prefix
 * scan away.
 */
final class DocumentStores {
    private static final char SEP = '\u0000';

    /** Read freely; written only through {@link #putDoc} and {@link #deleteDoc}, which keep the intake count. */
    final KeyValueStore<String, DocState> docs;
    /** The input of each document in flight, by id: written once per version ({@link #putInput}), deleted with the document's state. */
    final KeyValueStore<String, DocumentInput> inputs;
    final KeyValueStore<String, PendingWindow> pending;
    final KeyValueStore<String, StoredResult> results;
    /** With a chunks topic: chunks of versions in flight, by version and index; else null. */
    final KeyValueStore<String, Chunk> pendingChunks;
    /** With a chunks topic: how many chunks the last emitted version of each document has (what the next one retracts); else null. */
    final KeyValueStore<String, Integer> chunkCounts;

    private final IntakeBound intake;
    /** Tokens of this task's documents in flight, counted into {@link #intake}. */
    private long inFlightTokens;

    /** Opens the task's stores and counts its documents in flight (restored or left by a crash) into {@code intake}. */
    DocumentStores(ProcessorContext<?, ?> context, boolean chunks, IntakeBound intake) {
        this.intake = intake;
        this.docs = context.getStateStore(Names.DOCUMENT_STORE);
        this.inputs = context.getStateStore(Names.INPUT_STORE);
        this.pending = context.getStateStore(Names.PENDING_STORE);
        this.results = context.getStateStore(Names.RESULT_STORE);
        this.pendingChunks = chunks ? context.getStateStore(Names.PENDING_CHUNK_STORE) : null;
        this.chunkCounts = chunks ? context.getStateStore(Names.CHUNK_COUNT_STORE) : null;
        long restored = 0;
        try (KeyValueIterator<String, DocState> it = docs.all()) {
            while (it.hasNext()) {
                restored += it.next().value.tokenCount();
            }
        }
        countTokens(restored);
    }

    /** Stores a document's state; a new version (or a first one) counts its tokens in flight instead of the old one's. */
    void putDoc(String id, DocState state, DocState previous) {
        docs.put(id, state);
        countTokens(state.tokenCount() - (previous == null ? 0 : previous.tokenCount()));
    }

    /**
     * Keeps what a version was admitted from (a newer version's input replaces it). An input larger
     * than its changelog takes ({@code maxBytes}; a compressed input batch can carry one) is not kept:
     * the version is embedded as usual, only a restart with other settings cannot recompute it and
     * dead-letters it for a replay instead; a refused changelog write would stop the stream thread.
     */
    void putInput(String id, DocumentInput input, long maxBytes) {
        if (maxBytes > 0 && RecordLimits.utf8Length(id) + input.maxBytes() + RecordSizes.RECORD_OVERHEAD > maxBytes) {
            inputs.delete(id);
            return;
        }
        inputs.put(id, input);
    }

    /** Deletes a document's state and input (emitted, failed or deleted): its tokens are no longer in flight. */
    void deleteDoc(String id, DocState previous) {
        docs.delete(id);
        inputs.delete(id);
        if (previous != null) {
            countTokens(-previous.tokenCount());
        }
    }

    private void countTokens(long delta) {
        inFlightTokens += delta;
        intake.addTokens(delta);
    }

    /** The task closes (or is revived): its documents no longer count in this process. */
    void release() {
        intake.addTokens(-inFlightTokens);
        inFlightTokens = 0;
    }

    static String pendingKey(String id, long generation, int index) {
        return generationPrefix(id, generation) + String.format("%09d", index);
    }

    /** Every key of one document version (pending windows, kept results, chunks in flight) starts with this. */
    static String generationPrefix(String id, long generation) {
        return id + SEP + String.format("%019d", generation) + SEP;
    }

    /** A pending-store key's document id and generation. */
    record Version(String id, long generation) {
        static Version ofKey(String key) {
            String[] parts = key.split(String.valueOf(SEP));
            return new Version(parts[0], Long.parseLong(parts[1]));
        }
    }

    void putChunk(String id, long generation, Chunk c) {
        pendingChunks.put(generationPrefix(id, generation) + String.format("%09d", c.index()), c);
    }

    /** Results kept for this document (any version), by identity. */
    Map<String, StoredResult> storedResults(String id) {
        Map<String, StoredResult> byIdentity = new HashMap<>();
        try (KeyValueIterator<String, StoredResult> it = results.prefixScan(id + SEP, new StringSerializer())) {
            while (it.hasNext()) {
                StoredResult r = it.next().value;
                byIdentity.put(r.identity(), r);
            }
        }
        return byIdentity;
    }

    /** The kept results of one version, in window order. */
    List<StoredResult> versionResults(String id, long generation) {
        List<StoredResult> out = new ArrayList<>();
        try (KeyValueIterator<String, StoredResult> it = results.prefixScan(generationPrefix(id, generation), new StringSerializer())) {
            while (it.hasNext()) {
                out.add(it.next().value);
            }
        }
        return out;
    }

    /** Deletes the kept results of one version (its windows are planned again: the same keys will mean other windows). */
    void deleteVersionResults(String id, long generation) {
        deleteByPrefix(results, generationPrefix(id, generation), k -> false);
    }

    /** Deletes the document's kept results, all of them or (keep >= 0) all but generation {@code keep}'s. */
    void deleteResults(String id, long keep) {
        String current = keep < 0 ? null : generationPrefix(id, keep);
        deleteByPrefix(results, id + SEP, k -> current != null && k.startsWith(current));
    }

    /** Deletes the entries of {@code store} whose key starts with {@code prefix}, except those {@code kept} says stay. */
    private static <V> void deleteByPrefix(KeyValueStore<String, V> store, String prefix, Predicate<String> kept) {
        List<String> keys = new ArrayList<>();
        try (KeyValueIterator<String, V> it = store.prefixScan(prefix, new StringSerializer())) {
            while (it.hasNext()) {
                String k = it.next().key;
                if (!kept.test(k)) {
                    keys.add(k);
                }
            }
        }
        keys.forEach(store::delete);
    }

    /** The chunks of one version in flight with their store keys, in index order (the keys end in the zero-padded index). */
    List<KeyValue<String, Chunk>> versionChunks(String id, long generation) {
        List<KeyValue<String, Chunk>> out = new ArrayList<>();
        try (KeyValueIterator<String, Chunk> it = pendingChunks.prefixScan(generationPrefix(id, generation), new StringSerializer())) {
            while (it.hasNext()) {
                out.add(it.next());
            }
        }
        return out;
    }

    /** Deletes every pending window and chunk in flight of a document, whatever its generation. */
    void deletePending(String id) {
        deleteByPrefix(pending, id + SEP, k -> false);
        if (pendingChunks != null) {
            deleteByPrefix(pendingChunks, id + SEP, k -> false);
        }
    }

    /** The pending-store keys, all of them, in store order (recovery). */
    List<String> pendingKeys() {
        List<String> keys = new ArrayList<>();
        try (KeyValueIterator<String, PendingWindow> it = pending.all()) {
            while (it.hasNext()) {
                keys.add(it.next().key);
            }
        }
        return keys;
    }
}
