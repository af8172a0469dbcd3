package dev.kembed.stream;

import dev.kembed.avro.state.ChunkSpanState;
import dev.kembed.avro.state.DocumentInputState;
import dev.kembed.avro.state.DocumentState;
import dev.kembed.text.Chunk;
import dev.kembed.avro.state.ParkedRecordState;
import dev.kembed.avro.state.WindowResultState;
import dev.kembed.avro.state.PendingWindowState;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Serdes of the state-store values. Written as Avro single-object encoding (marker {@code C3 01},
 * the writer schema's fingerprint, Avro binary) with the schemas in {@code schemas/state/}; a
 * reader resolves any schema it knows against its own, so adding a field with a default is an
 * upgrade that needs no wipe. Values written by kembed 0.1 (format byte {@code 01}, a hand-rolled
 * layout) are still read, so state from before this format survives the upgrade as well.
 * Generic records are used on purpose: Avro 1.12 refuses to instantiate generated classes
 * outside its trusted packages.
 */
final class StateSerdes {
    private static final byte LEGACY_FORMAT = 1;

    private StateSerdes() {}

    /** Earlier writer schemas of the document state, resolved against today's when read back. */
    static final List<Schema> DOC_STATE_HISTORY = List.of(history("document_state-1.avsc"), history("document_state-2.avsc"),
            history("document_state-3.avsc"), history("document_state-4.avsc"));
    /** Parked records written before their headers were kept (read back with none). */
    static final List<Schema> PARKED_RECORD_HISTORY = List.of(history("parked_record-1.avsc"));
    static final List<Schema> PENDING_WINDOW_HISTORY = List.of(history("pending_window-1.avsc"));
    static final List<Schema> WINDOW_RESULT_HISTORY = List.of(history("window_result-1.avsc"));

    static final Serde<DocState> DOC_STATE = serde(DocumentState.getClassSchema(), DOC_STATE_HISTORY, StateSerdes::docToAvro,
            StateSerdes::docFromAvro, StateSerdes::legacyDoc);
    static final Serde<PendingWindow> PENDING_WINDOW = serde(PendingWindowState.getClassSchema(), PENDING_WINDOW_HISTORY, StateSerdes::windowToAvro,
            StateSerdes::windowFromAvro, StateSerdes::legacyWindow);

    static final Serde<StoredResult> WINDOW_RESULT = serde(WindowResultState.getClassSchema(), WINDOW_RESULT_HISTORY, StateSerdes::resultToAvro,
            StateSerdes::resultFromAvro, in -> {
                throw new IOException("window results have no kembed 0.1 format");
            });

    static final Serde<Chunk> CHUNK_SPAN = serde(ChunkSpanState.getClassSchema(), List.of(), StateSerdes::chunkToAvro,
            StateSerdes::chunkFromAvro, in -> {
                throw new IOException("chunk spans have no kembed 0.1 format");
            });

    /** What a version in flight was admitted from; no history yet (state schema 5 introduced it). */
    static final Serde<DocumentInput> DOCUMENT_INPUT = serde(DocumentInputState.getClassSchema(), List.of(), StateSerdes::inputToAvro,
            StateSerdes::inputFromAvro, in -> {
                throw new IOException("document inputs have no kembed 0.1 format");
            });

    static final Serde<ParkedRecord> PARKED_RECORD = serde(ParkedRecordState.getClassSchema(), PARKED_RECORD_HISTORY, StateSerdes::parkedToAvro,
            StateSerdes::parkedFromAvro, in -> {
                throw new IOException("parked records have no kembed 0.1 format");
            });

    private static GenericRecord chunkToAvro(Chunk c) {
        GenericRecord g = new GenericData.Record(ChunkSpanState.getClassSchema());
        g.put("index", c.index());
        g.put("token_start", c.tokenStart());
        g.put("token_end", c.tokenEnd());
        g.put("char_start", c.charStart());
        g.put("char_end", c.charEnd());
        g.put("text", c.text());
        return g;
    }

    private static Chunk chunkFromAvro(GenericRecord g) {
        Object text = g.get("text");
        return new Chunk((Integer) g.get("index"), (Integer) g.get("token_start"), (Integer) g.get("token_end"), (Integer) g.get("char_start"),
                (Integer) g.get("char_end"), text == null ? null : text.toString());
    }

    private static GenericRecord inputToAvro(DocumentInput in) {
        GenericRecord g = new GenericData.Record(DocumentInputState.getClassSchema());
        g.put("text", in.text());
        if (in.inputIds() != null) {
            List<Integer> ids = new java.util.ArrayList<>(in.inputIds().length);
            for (int id : in.inputIds()) {
                ids.add(id);
            }
            g.put("input_ids", ids);
        }
        return g;
    }

    private static DocumentInput inputFromAvro(GenericRecord g) {
        int[] ids = null;
        if (g.get("input_ids") instanceof List<?> list) {
            ids = new int[list.size()];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = (Integer) list.get(i);
            }
        }
        return new DocumentInput(g.get("text") == null ? null : g.get("text").toString(), ids);
    }

    private static GenericRecord parkedToAvro(ParkedRecord r) {
        GenericRecord g = new GenericData.Record(ParkedRecordState.getClassSchema());
        g.put("key", r.key() == null ? null : ByteBuffer.wrap(r.key()));
        g.put("value", ByteBuffer.wrap(r.value()));
        g.put("timestamp", r.timestamp());
        g.put("source_topic", r.source().topic());
        g.put("source_partition", r.source().partition());
        g.put("source_offset", r.source().offset());
        g.put("headers", headersToAvro(r.headers(), ParkedRecordState.getClassSchema(), "headers"));
        g.put("cut_from_bytes", r.cutFromBytes());
        return g;
    }

    private static ParkedRecord parkedFromAvro(GenericRecord g) {
        return new ParkedRecord(g.get("key") == null ? null : bytesOf((ByteBuffer) g.get("key")), bytesOf((ByteBuffer) g.get("value")),
                (Long) g.get("timestamp"), new SourceRecord(g.get("source_topic").toString(), (Integer) g.get("source_partition"),
                        (Long) g.get("source_offset")), headersFromAvro(g.get("headers")), (Long) g.get("cut_from_bytes"));
    }

    /** Headers as the state schemas hold them: an array of (key, value) records, in order, repeated keys kept. */
    private static List<GenericRecord> headersToAvro(Header[] headers, Schema owner, String field) {
        Schema item = owner.getField(field).schema().getElementType();
        List<GenericRecord> out = new java.util.ArrayList<>(headers.length);
        for (Header h : headers) {
            GenericRecord r = new GenericData.Record(item);
            r.put("key", h.key());
            r.put("value", h.value() == null ? null : ByteBuffer.wrap(h.value()));
            out.add(r);
        }
        return out;
    }

    private static Header[] headersFromAvro(Object avro) {
        if (!(avro instanceof List<?> list)) {
            return new Header[0];
        }
        Header[] out = new Header[list.size()];
        for (int i = 0; i < out.length; i++) {
            GenericRecord r = (GenericRecord) list.get(i);
            Object v = r.get("value");
            out[i] = new RecordHeader(r.get("key").toString(), v == null ? null : bytesOf((ByteBuffer) v));
        }
        return out;
    }

    private static byte[] bytesOf(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    private static GenericRecord resultToAvro(StoredResult r) {
        GenericRecord g = new GenericData.Record(WindowResultState.getClassSchema());
        g.put("identity", r.identity());
        g.put("cls", floats(r.cls()));
        g.put("sum", floats(r.sum()));
        g.put("count", r.count());
        if (r.chunkSums() != null) {
            int dim = r.chunkSums().length == 0 ? 0 : r.chunkSums()[0].length;
            float[] flat = new float[r.chunkSums().length * dim];
            for (int s = 0; s < r.chunkSums().length; s++) {
                System.arraycopy(r.chunkSums()[s], 0, flat, s * dim, dim);
            }
            g.put("chunk_sums", floats(flat));
            g.put("chunk_counts", floats(r.chunkCounts()));
        }
        g.put("first_chunk", r.firstChunk());
        g.put("chunk", r.chunk());
        g.put("owned_tokens", r.ownedTokens());
        return g;
    }

    private static StoredResult resultFromAvro(GenericRecord g) {
        float[][] sums = null;
        float[] counts = null;
        if (g.get("chunk_sums") != null) {
            counts = floats((ByteBuffer) g.get("chunk_counts"));
            float[] flat = floats((ByteBuffer) g.get("chunk_sums"));
            int dim = counts.length == 0 ? 0 : flat.length / counts.length;
            sums = new float[counts.length][];
            for (int s = 0; s < counts.length; s++) {
                sums[s] = java.util.Arrays.copyOfRange(flat, s * dim, (s + 1) * dim);
            }
        }
        return new StoredResult(g.get("identity").toString(), floats((ByteBuffer) g.get("cls")), floats((ByteBuffer) g.get("sum")),
                (Float) g.get("count"), sums, counts, (Integer) g.get("first_chunk"), (Integer) g.get("chunk"), (Integer) g.get("owned_tokens"));
    }

    private static ByteBuffer floats(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        return b;
    }

    private static float[] floats(ByteBuffer b) {
        ByteBuffer le = b.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        float[] v = new float[le.remaining() / 4];
        le.asFloatBuffer().get(v);
        return v;
    }

    private static Schema history(String name) {
        try (java.io.InputStream in = StateSerdes.class.getResourceAsStream("/kembed/state-history/" + name)) {
            if (in == null) {
                throw new IllegalStateException("state schema history " + name + " is missing from the jar");
            }
            return new Schema.Parser().parse(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    interface LegacyReader<T> {
        T read(DataInputStream in) throws IOException;
    }

    static <T> Serde<T> serde(Schema schema, List<Schema> olderWriters, Function<T, GenericRecord> toAvro, Function<GenericRecord, T> fromAvro,
            LegacyReader<T> legacy) {
        BinaryMessageEncoder<GenericRecord> encoder = new BinaryMessageEncoder<>(GenericData.get(), schema);
        BinaryMessageDecoder<GenericRecord> decoder = new BinaryMessageDecoder<>(GenericData.get(), schema);
        olderWriters.forEach(decoder::addSchema); // values are found by their writer's fingerprint, then resolved
        Serializer<T> ser = (topic, value) -> {
            if (value == null) {
                return null;
            }
            try {
                ByteBuffer b = encoder.encode(toAvro.apply(value));
                byte[] out = new byte[b.remaining()];
                b.get(out);
                return out;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
        Deserializer<T> de = (topic, data) -> {
            if (data == null) {
                return null;
            }
            try {
                if (data.length >= 2 && data[0] == (byte) 0xC3 && data[1] == 0x01) {
                    return fromAvro.apply(decoder.decode(data));
                }
                if (data.length >= 1 && data[0] == LEGACY_FORMAT) {
                    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data, 1, data.length - 1))) {
                        return legacy.read(in);
                    }
                }
            } catch (IOException | RuntimeException e) {
                throw new SerializationException("cannot read a " + schema.getName() + " state value: " + e.getMessage(), e);
            }
            throw new SerializationException(String.format("a %s state value starts with 0x%02x: neither Avro single-object"
                    + " encoding (C3 01) nor the kembed 0.1 format (01); it was written by a newer or foreign writer", schema.getName(), data[0]));
        };
        return Serdes.serdeFrom(ser, de);
    }

    private static GenericRecord docToAvro(DocState s) {
        GenericRecord r = new GenericData.Record(DocumentState.getClassSchema());
        r.put("generation", s.generation());
        r.put("version", s.version());
        r.put("timestamp", s.timestamp());
        r.put("metadata", s.metadata());
        r.put("source_topic", s.sourceTopic());
        r.put("source_partition", s.sourcePartition());
        r.put("expected_windows", s.expectedWindows());
        r.put("done_windows", s.doneWindows());
        r.put("token_count", s.tokenCount());
        ByteBuffer acc = ByteBuffer.allocate(s.acc().length * 8).order(ByteOrder.LITTLE_ENDIAN);
        acc.asDoubleBuffer().put(s.acc());
        r.put("acc", acc);
        r.put("weight", s.weight());
        r.put("received_at", s.receivedAt());
        r.put("chunk_windows", s.chunkWindows());
        r.put("source_headers", headersToAvro(s.sourceHeaders(), DocumentState.getClassSchema(), "source_headers"));
        r.put("fingerprint", s.fingerprint());
        return r;
    }

    private static DocState docFromAvro(GenericRecord r) {
        Map<String, String> meta = new LinkedHashMap<>();
        ((Map<?, ?>) r.get("metadata")).forEach((k, v) -> meta.put(k.toString(), v == null ? null : v.toString()));
        ByteBuffer accBytes = ((ByteBuffer) r.get("acc")).duplicate().order(ByteOrder.LITTLE_ENDIAN);
        double[] acc = new double[accBytes.remaining() / 8];
        accBytes.asDoubleBuffer().get(acc);
        return new DocState((Long) r.get("generation"), (Long) r.get("version"), (Long) r.get("timestamp"), meta,
                r.get("source_topic").toString(), (Integer) r.get("source_partition"), (Integer) r.get("expected_windows"),
                (Integer) r.get("done_windows"), (Integer) r.get("token_count"), acc, (Double) r.get("weight"), (Long) r.get("received_at"),
                (Integer) r.get("chunk_windows"), headersFromAvro(r.get("source_headers")),
                r.get("fingerprint") == null ? null : r.get("fingerprint").toString());
    }

    private static GenericRecord windowToAvro(PendingWindow w) {
        GenericRecord r = new GenericData.Record(PendingWindowState.getClassSchema());
        r.put("index", w.index());
        ByteBuffer ids = ByteBuffer.allocate(w.ids().length * 4).order(ByteOrder.LITTLE_ENDIAN);
        ids.asIntBuffer().put(w.ids());
        r.put("ids", ids);
        byte[] pool = new byte[w.poolMask().length];
        for (int i = 0; i < pool.length; i++) {
            pool[i] = (byte) w.poolMask()[i];
        }
        r.put("pool_mask", ByteBuffer.wrap(pool));
        r.put("global_cls", w.globalCls());
        r.put("char_start", w.charStart());
        r.put("char_end", w.charEnd());
        r.put("owned_tokens", w.ownedTokens());
        if (w.chunkSlots() != null) {
            ByteBuffer slots = ByteBuffer.allocate(w.chunkSlots().length * 4).order(ByteOrder.LITTLE_ENDIAN);
            slots.asIntBuffer().put(w.chunkSlots());
            r.put("chunk_slots", slots);
        }
        r.put("first_chunk", w.firstChunk());
        r.put("chunk", w.chunk());
        return r;
    }

    private static PendingWindow windowFromAvro(GenericRecord r) {
        ByteBuffer idBytes = ((ByteBuffer) r.get("ids")).duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int[] ids = new int[idBytes.remaining() / 4];
        idBytes.asIntBuffer().get(ids);
        ByteBuffer poolBytes = ((ByteBuffer) r.get("pool_mask")).duplicate();
        int[] pool = new int[poolBytes.remaining()];
        for (int i = 0; i < pool.length; i++) {
            pool[i] = poolBytes.get();
        }
        int[] slots = null;
        if (r.get("chunk_slots") != null) {
            ByteBuffer slotBytes = ((ByteBuffer) r.get("chunk_slots")).duplicate().order(ByteOrder.LITTLE_ENDIAN);
            slots = new int[slotBytes.remaining() / 4];
            slotBytes.asIntBuffer().get(slots);
        }
        return new PendingWindow((Integer) r.get("index"), ids, pool, (Boolean) r.get("global_cls"), (Integer) r.get("char_start"),
                (Integer) r.get("char_end"), (Integer) r.get("owned_tokens"), slots, (Integer) r.get("first_chunk"), (Integer) r.get("chunk"));
    }

    /** kembed 0.1's layout, after its format byte; read-only. */
    private static DocState legacyDoc(DataInputStream in) throws IOException {
        long gen = in.readLong();
        Long version = in.readBoolean() ? in.readLong() : null;
        Long ts = in.readBoolean() ? in.readLong() : null;
        int n = in.readInt();
        Map<String, String> meta = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            String k = in.readUTF();
            meta.put(k, in.readBoolean() ? legacyLongString(in) : null);
        }
        String topic = in.readUTF();
        int partition = in.readInt();
        int expected = in.readInt();
        int done = in.readInt();
        int tokens = in.readInt();
        double[] acc = new double[in.readInt()];
        for (int i = 0; i < acc.length; i++) {
            acc[i] = in.readDouble();
        }
        return new DocState(gen, version, ts, meta, topic, partition, expected, done, tokens, acc, in.readDouble(), null, 0);
    }

    private static PendingWindow legacyWindow(DataInputStream in) throws IOException {
        return new PendingWindow(in.readInt(), legacyInts(in), legacyInts(in), in.readBoolean(), in.readInt(), in.readInt(), in.readInt());
    }

    private static int[] legacyInts(DataInputStream in) throws IOException {
        int[] v = new int[in.readInt()];
        for (int i = 0; i < v.length; i++) {
            v[i] = in.readInt();
        }
        return v;
    }

    private static String legacyLongString(DataInputStream in) throws IOException {
        byte[] b = new byte[in.readInt()];
        in.readFully(b);
        return new String(b, StandardCharsets.UTF_8);
    }
}
