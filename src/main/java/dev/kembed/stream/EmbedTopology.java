package dev.kembed.stream;

import dev.kembed.avro.ChunkEmbedding;
import dev.kembed.avro.DocumentEmbedding;
import dev.kembed.engine.queue.EngineWorkers;
import dev.kembed.engine.WindowResultCache;
import dev.kembed.serde.AvroRecordSerializer;
import dev.kembed.serde.AvroWireFormat;
import dev.kembed.serde.SubjectNameStrategy;
import dev.kembed.serde.SubjectSchema;
import dev.kembed.text.Chunk;
import dev.kembed.text.WindowPlan;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * The whole topology, assembled in one place and reused unchanged by the tests:
 * source → decode → embed → output sink (+ chunks sink with a chunks topic); decode and embed
 * send dead letters through the dead-letter processor to the DLQ sink. Its stores are all
 * persistent and changelogged, their values in the versioned {@link StateSerdes} format: decode's
 * parked records (input held while the schema registry is down), embed's documents, their inputs
 * (for a recompute after a settings change), pending windows and window results, and with a chunks topic the chunks of versions in flight and the
 * chunk count last emitted per document (what the next version or a tombstone retracts).
 * Chunk records go to their document id's partition ({@link ChunkPartitioner}).
 */
public final class EmbedTopology {
    private EmbedTopology() {}

    /**
     * @param cache  window results shared by every task of this process (may be off)
     * @param intake what this process has consumed and not emitted, shared by every task
     */
    public static Topology build(PipelineSettings settings, DocumentDecoder decoder, WindowPlan plan, EngineWorkers workers,
            AvroWireFormat wire, PipelineMetrics metrics, WindowResultCache cache, IntakeBound intake) {
        OutputRecords records = new OutputRecords(plan.engine(), plan.settings(), plan.fingerprint());
        AdmissionBudget budget = new AdmissionBudget(workers); // one per process: all tasks of a stream thread share its budget
        StoreBuilder<KeyValueStore<String, DocState>> docStore = Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(Names.DOCUMENT_STORE), Serdes.String(), StateSerdes.DOC_STATE);
        StoreBuilder<KeyValueStore<String, DocumentInput>> inputStore = Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(Names.INPUT_STORE), Serdes.String(), StateSerdes.DOCUMENT_INPUT);
        int inputMax = settings.limits().inputChangelogMaxBytes();
        if (inputMax > 0) {
            // a stored input is one input record's text or ids: its changelog must take the largest the input topic takes
            inputStore = inputStore.withLoggingEnabled(Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(inputMax)));
        }
        StoreBuilder<KeyValueStore<String, DocumentInput>> inputs = inputStore;
        StoreBuilder<KeyValueStore<String, PendingWindow>> pendingStore = Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(Names.PENDING_STORE), Serdes.String(), StateSerdes.PENDING_WINDOW);
        StoreBuilder<KeyValueStore<String, StoredResult>> resultStore = Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(Names.RESULT_STORE), Serdes.String(), StateSerdes.WINDOW_RESULT);
        StoreBuilder<KeyValueStore<String, Integer>> chunkCountStore = Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(Names.CHUNK_COUNT_STORE), Serdes.String(), Serdes.Integer());
        StoreBuilder<KeyValueStore<String, Chunk>> pendingChunkStore = Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(Names.PENDING_CHUNK_STORE), Serdes.String(), StateSerdes.CHUNK_SPAN);
        ProcessorSupplier<String, Decoded, String, Emitted> embed = new ProcessorSupplier<>() {
            @Override
            public EmbedProcessor get() {
                return new EmbedProcessor(settings, plan, workers, budget, records, metrics, cache, intake);
            }

            @Override
            public Set<StoreBuilder<?>> stores() {
                // the chunk stores exist only with a chunks topic, so a job without one has no extra changelogs
                return settings.chunks() == null ? Set.of(docStore, inputs, pendingStore, resultStore)
                        : Set.of(docStore, inputs, pendingStore, resultStore, chunkCountStore, pendingChunkStore);
            }
        };
        StoreBuilder<KeyValueStore<String, ParkedRecord>> parkedStore = Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(Names.PARKED_STORE), Serdes.String(), StateSerdes.PARKED_RECORD);
        int parkedMax = settings.limits().parkedChangelogMaxBytes();
        if (parkedMax > 0) {
            // a parked value is a whole input record: its changelog must take the largest one the input topic takes
            parkedStore = parkedStore.withLoggingEnabled(Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(parkedMax)));
        }
        StoreBuilder<KeyValueStore<String, ParkedRecord>> parked = parkedStore;
        ProcessorSupplier<byte[], byte[], String, Decoded> decode = new ProcessorSupplier<>() {
            @Override
            public DecodeProcessor get() {
                return new DecodeProcessor(decoder, metrics, new RetryBackoff(RetryBackoff.INITIAL_MS, RetryBackoff.MAX_MS), intake,
                        settings.limits());
            }

            @Override
            public Set<StoreBuilder<?>> stores() {
                return Set.of(parked);
            }
        };
        Serializer<Emitted> avro = new EmittedSerializer(new AvroRecordSerializer(wire, settings.registry().subjectStrategy()));

        Topology t = new Topology();
        t.addSource(Names.SOURCE, new ByteArrayDeserializer(), new ByteArrayDeserializer(), settings.inputTopic());
        t.addProcessor(Names.DECODE, decode, Names.SOURCE);
        t.addProcessor(Names.EMBED, embed, Names.DECODE);
        int dlqMaxValue = settings.limits().dlqMaxValueBytes();
        t.addProcessor(Names.DEAD_LETTERS, () -> new DeadLetterProcessor(dlqMaxValue), Names.DECODE, Names.EMBED);
        t.addSink(Names.OUTPUT_SINK, settings.outputTopic(), new StringSerializer(), avro, Names.EMBED);
        if (settings.chunks() != null) {
            // partitioned by document id, not by the chunk key: one document's chunks stay in order in one partition
            t.addSink(Names.CHUNKS_SINK, settings.chunks().topic(), new StringSerializer(), avro, new ChunkPartitioner(), Names.EMBED);
        }
        t.addSink(Names.DLQ_SINK, settings.dlqTopic(), new ByteArraySerializer(), new ByteArraySerializer(), Names.DEAD_LETTERS);
        return t;
    }

    /**
     * Every schema the sinks write, under the subjects the configured strategy gives: the output
     * record, and the chunk record with a chunks topic. Start-up registers these before Streams
     * runs, so the sinks' serializer finds their ids cached and never waits on the registry.
     */
    public static List<SubjectSchema> writtenSchemas(PipelineSettings settings) {
        SubjectNameStrategy strategy = settings.registry().subjectStrategy();
        List<SubjectSchema> written = new ArrayList<>();
        written.add(SubjectSchema.of(strategy, settings.outputTopic(), DocumentEmbedding.getClassSchema()));
        if (settings.chunks() != null) {
            written.add(SubjectSchema.of(strategy, settings.chunks().topic(), ChunkEmbedding.getClassSchema()));
        }
        return written;
    }

    /** Output and chunk records as Avro in registry wire format; a tombstone stays null. */
    private record EmittedSerializer(AvroRecordSerializer avro) implements Serializer<Emitted> {
        @Override
        public byte[] serialize(String topic, Emitted value) {
            if (value == null) {
                return null;
            }
            if (value instanceof Emitted.Document d) {
                return avro.serialize(topic, d.record());
            }
            if (value instanceof Emitted.Chunk c) {
                return avro.serialize(topic, c.record());
            }
            throw new IllegalStateException("a " + value.getClass().getSimpleName() + " was routed to " + topic);
        }
    }
}
