package dev.kembed.stream;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/** Compact binary serdes for the state stores (versioned by a leading format byte). */
final class StateSerdes {
    private static final int FORMAT = 1;

    private StateSerdes() {}

    interface Writer<T> {
        void write(DataOutputStream out, T value) throws IOException;
    }

    interface Reader<T> {
        T read(DataInputStream in) throws IOException;
    }

    static <T> Serde<T> serde(Writer<T> writer, Reader<T> reader) {
        Serializer<T> ser = (topic, value) -> {
            if (value == null) {
                return null;
            }
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                out.writeByte(FORMAT);
                writer.write(out, value);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return bytes.toByteArray();
        };
        Deserializer<T> de = (topic, data) -> {
            if (data == null) {
                return null;
            }
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
                int format = in.readByte();
                if (format != FORMAT) {
                    throw new IllegalStateException("state store value has format " + format + ", this kembed reads " + FORMAT);
                }
                return reader.read(in);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
        return Serdes.serdeFrom(ser, de);
    }

    static final Serde<DocState> DOC_STATE = serde((out, s) -> {
        out.writeLong(s.generation());
        writeNullableLong(out, s.version());
        writeNullableLong(out, s.timestamp());
        out.writeInt(s.metadata().size());
        for (Map.Entry<String, String> e : s.metadata().entrySet()) {
            out.writeUTF(e.getKey());
            out.writeBoolean(e.getValue() != null);
            if (e.getValue() != null) {
                writeLongString(out, e.getValue());
            }
        }
        out.writeUTF(s.sourceTopic());
        out.writeInt(s.sourcePartition());
        out.writeInt(s.expectedWindows());
        out.writeInt(s.doneWindows());
        out.writeInt(s.tokenCount());
        out.writeInt(s.acc().length);
        for (double d : s.acc()) {
            out.writeDouble(d);
        }
        out.writeDouble(s.weight());
    }, in -> {
        long gen = in.readLong();
        Long version = readNullableLong(in);
        Long ts = readNullableLong(in);
        int n = in.readInt();
        Map<String, String> meta = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            String k = in.readUTF();
            meta.put(k, in.readBoolean() ? readLongString(in) : null);
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
        return new DocState(gen, version, ts, meta, topic, partition, expected, done, tokens, acc, in.readDouble());
    });

    static final Serde<PendingWindow> PENDING_WINDOW = serde((out, w) -> {
        out.writeInt(w.index());
        writeInts(out, w.ids());
        writeInts(out, w.poolMask());
        out.writeBoolean(w.globalCls());
        out.writeInt(w.charStart());
        out.writeInt(w.charEnd());
        out.writeInt(w.ownedTokens());
    }, in -> new PendingWindow(in.readInt(), readInts(in), readInts(in), in.readBoolean(), in.readInt(), in.readInt(), in.readInt()));

    private static void writeInts(DataOutputStream out, int[] v) throws IOException {
        out.writeInt(v.length);
        for (int x : v) {
            out.writeInt(x);
        }
    }

    private static int[] readInts(DataInputStream in) throws IOException {
        int[] v = new int[in.readInt()];
        for (int i = 0; i < v.length; i++) {
            v[i] = in.readInt();
        }
        return v;
    }

    private static void writeNullableLong(DataOutputStream out, Long v) throws IOException {
        out.writeBoolean(v != null);
        if (v != null) {
            out.writeLong(v);
        }
    }

    private static Long readNullableLong(DataInputStream in) throws IOException {
        return in.readBoolean() ? in.readLong() : null;
    }

    /** writeUTF stops at 64 KB; metadata values may be longer. */
    private static void writeLongString(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static String readLongString(DataInputStream in) throws IOException {
        byte[] b = new byte[in.readInt()];
        in.readFully(b);
        return new String(b, java.nio.charset.StandardCharsets.UTF_8);
    }
}
