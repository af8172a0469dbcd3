package dev.kembed.stream;

import dev.kembed.engine.BatchingQueue;

import dev.kembed.engine.EngineInfo;
import dev.kembed.serde.AvroRecordSerializer;
import dev.kembed.serde.AvroWireFormat;
import dev.kembed.text.DocumentTokenizer;
import dev.kembed.text.Windower;
import java.util.Set;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * The whole topology, assembled in one place and reused unchanged by the tests:
 * source → decode → embed → output sink (+ optional windows sink), with the dead-letter sink fed
 * by decode and embed. Both stores are persistent and changelogged.
 */
public final class EmbedTopology {
    private EmbedTopology() {}

    public static Topology build(PipelineSettings settings, DocumentDecoder decoder, DocumentTokenizer tokenizer, EngineInfo engine,
            BatchingQueue queue, AvroWireFormat wire, PipelineMetrics metrics) {
        EmbeddingSettings emb = settings.embedding();
        int maxTokens = emb.maxTokens() > 0 ? emb.maxTokens() : engine.maxTokens();
        Windower windower = new Windower(maxTokens, emb.overlap(), engine.bosTokenId(), engine.eosTokenId());
        OutputRecords records = new OutputRecords(engine, emb);

        StoreBuilder<?> docStore = Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(Names.DOCUMENT_STORE),
                Serdes.String(), StateSerdes.DOC_STATE);
        StoreBuilder<?> pendingStore = Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(Names.PENDING_STORE),
                Serdes.String(), StateSerdes.PENDING_WINDOW);
        ProcessorSupplier<String, Object, Object, Object> embed = new ProcessorSupplier<>() {
            @Override
            public EmbedProcessor get() {
                return new EmbedProcessor(settings, tokenizer, windower, queue, records, metrics, engine.dimension());
            }

            @Override
            public Set<StoreBuilder<?>> stores() {
                return Set.of(docStore, pendingStore);
            }
        };
        AvroRecordSerializer avro = new AvroRecordSerializer(wire);
        @SuppressWarnings({"unchecked", "rawtypes"})
        org.apache.kafka.common.serialization.Serializer<Object> avroAny = (org.apache.kafka.common.serialization.Serializer) avro;
        @SuppressWarnings({"unchecked", "rawtypes"})
        org.apache.kafka.common.serialization.Serializer<Object> stringAny = (org.apache.kafka.common.serialization.Serializer) new StringSerializer();
        @SuppressWarnings({"unchecked", "rawtypes"})
        org.apache.kafka.common.serialization.Serializer<Object> bytesAny = (org.apache.kafka.common.serialization.Serializer) new ByteArraySerializer();

        Topology t = new Topology();
        t.addSource(Names.SOURCE, new ByteArrayDeserializer(), new ByteArrayDeserializer(), settings.inputTopic());
        t.addProcessor(Names.DECODE, () -> new DecodeProcessor(decoder, metrics), Names.SOURCE);
        t.addProcessor(Names.EMBED, embed, Names.DECODE);
        t.addSink(Names.OUTPUT_SINK, settings.outputTopic(), stringAny, avroAny, Names.EMBED);
        if (settings.windowsTopic() != null) {
            t.addSink(Names.WINDOWS_SINK, settings.windowsTopic(), stringAny, avroAny, Names.EMBED);
        }
        t.addSink(Names.DLQ_SINK, settings.dlqTopic(), bytesAny, bytesAny, Names.DECODE, Names.EMBED);
        return t;
    }
}
