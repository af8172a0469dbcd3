package dev.kembed.model.onnx;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * An ONNX graph under construction: inputs, outputs, initializers and nodes, written as an
 * opset-17 {@code ModelProto}. Field numbers are those of the official {@code onnx.proto}.
 * Node outputs get unique generated names so that builder code reads like expressions.
 */
public final class OnnxGraph {
    public static final int OPSET = 17;
    /** ONNX Runtime's contrib operators (quantized MatMuls); opset version 1. */
    public static final String MS_DOMAIN = "com.microsoft";
    public static final int FLOAT = 1;
    public static final int UINT8 = 2;
    public static final int INT8 = 3;
    public static final int INT32 = 6;
    public static final int INT64 = 7;
    public static final int BOOL = 9;

    private final String name;
    private final List<byte[]> nodes = new ArrayList<>();
    /** Initializers are kept apart from their bytes, so a large graph can put its weights in a side file (ONNX external data). */
    private record Initializer(String name, int type, long[] dims, byte[] raw) {}

    private final List<Initializer> initializers = new ArrayList<>();
    private final List<byte[]> inputs = new ArrayList<>();
    private final List<byte[]> outputs = new ArrayList<>();
    private int counter;
    private boolean usesMsDomain;

    public OnnxGraph(String name) {
        this.name = name;
    }

    /** A dimension is a {@code Long} (fixed) or a {@code String} (symbolic, i.e. dynamic). */
    public String input(String inputName, int elemType, Object... dims) {
        inputs.add(valueInfo(inputName, elemType, dims));
        return inputName;
    }

    public void output(String value, String outputName, int elemType, Object... dims) {
        node("Identity", List.of(value), List.of(outputName), List.of());
        outputs.add(valueInfo(outputName, elemType, dims));
    }

    public String floats(String hint, float[] data, long... dims) {
        ByteBuffer buf = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(data);
        return tensor(hint, FLOAT, buf.array(), dims);
    }

    public String int8s(String hint, byte[] data, long... dims) {
        return tensor(hint, INT8, data.clone(), dims);
    }

    public String ints64(long... values) {
        ByteBuffer buf = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        buf.asLongBuffer().put(values);
        return tensor("i64", INT64, buf.array(), values.length);
    }

    /** A 0-d int64 constant (e.g. a Gather index that removes the axis). */
    public String scalarInt64(long value) {
        ByteBuffer buf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(value);
        return tensor("s64", INT64, buf.array());
    }

    public String scalarInt32(int value) {
        ByteBuffer buf = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
        buf.putInt(value);
        return tensor("s32", INT32, buf.array());
    }

    public String scalarUint8(int value) {
        return tensor("u8", UINT8, new byte[] {(byte) value});
    }

    public String scalarFloat(float value) {
        return floats("f", new float[] {value});
    }

    private String tensor(String hint, int type, byte[] raw, long... dims) {
        String tensorName = hint + "_" + (counter++);
        initializers.add(new Initializer(tensorName, type, dims, raw));
        return tensorName;
    }

    /** A TensorProto: its bytes inline (raw_data), or where they lie in the side file (external_data, data_location EXTERNAL). */
    private static byte[] tensorProto(Initializer i, String location, long offset) {
        ProtoWriter t = new ProtoWriter();
        if (i.dims().length > 0) {
            t.packedVarints(1, i.dims());
        }
        t.varint(2, i.type()).string(8, i.name());
        if (location == null) {
            t.bytes(9, i.raw());
        } else {
            t.message(13, new ProtoWriter().string(1, "location").string(2, location));
            t.message(13, new ProtoWriter().string(1, "offset").string(2, Long.toString(offset)));
            t.message(13, new ProtoWriter().string(1, "length").string(2, Long.toString(i.raw().length)));
            t.varint(14, 1);
        }
        return t.toByteArray();
    }

    /** Bytes of all initializers' data. */
    public long weightBytes() {
        return initializers.stream().mapToLong(i -> i.raw().length).sum();
    }

    /** Adds a single-output node and returns the name of its output. */
    public String op(String opType, Attr[] attrs, String... in) {
        String out = opType.toLowerCase() + "_" + (counter++);
        node(opType, List.of(in), List.of(out), List.of(attrs));
        return out;
    }

    /** Adds a node with several outputs and returns their names. */
    public String[] ops(String opType, int outputs, Attr[] attrs, String... in) {
        String[] out = new String[outputs];
        for (int i = 0; i < outputs; i++) {
            out[i] = opType.toLowerCase() + "_" + (counter++);
        }
        node(opType, List.of(in), List.of(out), List.of(attrs));
        return out;
    }

    public String op(String opType, String... in) {
        return op(opType, new Attr[0], in);
    }

    /** A single-output node of ONNX Runtime's {@code com.microsoft} domain; an empty input name skips an optional input. */
    public String msOp(String opType, String... in) {
        usesMsDomain = true;
        String out = opType.toLowerCase() + "_" + (counter++);
        node(MS_DOMAIN, opType, List.of(in), List.of(out), List.of());
        return out;
    }

    private void node(String opType, List<String> in, List<String> out, List<Attr> attrs) {
        node("", opType, in, out, attrs);
    }

    private void node(String domain, String opType, List<String> in, List<String> out, List<Attr> attrs) {
        ProtoWriter n = new ProtoWriter();
        for (String s : in) {
            n.string(1, s);
        }
        for (String s : out) {
            n.string(2, s);
        }
        n.string(3, "n" + nodes.size() + "_" + opType).string(4, opType);
        for (Attr a : attrs) {
            n.message(5, a.encode());
        }
        if (!domain.isEmpty()) {
            n.string(7, domain);
        }
        nodes.add(n.toByteArray());
    }

    private static byte[] valueInfo(String valueName, int elemType, Object... dims) {
        ProtoWriter shape = new ProtoWriter();
        for (Object d : dims) {
            ProtoWriter dim = new ProtoWriter();
            if (d instanceof Number n) {
                dim.varint(1, n.longValue());
            } else {
                dim.string(2, d.toString());
            }
            shape.message(1, dim);
        }
        ProtoWriter tensorType = new ProtoWriter().varint(1, elemType).message(2, shape);
        ProtoWriter type = new ProtoWriter().message(1, tensorType);
        return new ProtoWriter().string(1, valueName).message(2, type).toByteArray();
    }

    /**
     * Streams the model with every weight inline; the graph can be larger than one byte array, its
     * parts cannot. Protobuf cannot hold a model of 2 GB or more: {@link #writeTo(Path)} moves the
     * weights of such a graph to a side file.
     */
    public void writeTo(OutputStream out) throws IOException {
        if (weightBytes() >= EXTERNAL_DATA_THRESHOLD) {
            throw new IOException("a graph with " + weightBytes() + " bytes of weights needs ONNX external data: write it to a file");
        }
        writeTo(out, null, null);
    }

    /** Weights above this (in all) go to a side file: protobuf's 2 GB limit, less room for the graph itself. */
    public static final long EXTERNAL_DATA_THRESHOLD = 1_800_000_000L;

    private void writeTo(OutputStream out, String location, List<Long> offsets) throws IOException {
        List<byte[]> initProtos = new ArrayList<>(initializers.size());
        for (int k = 0; k < initializers.size(); k++) {
            Long offset = offsets == null ? null : offsets.get(k);
            initProtos.add(tensorProto(initializers.get(k), offset == null ? null : location, offset == null ? 0 : offset));
        }
        ProtoWriter head = new ProtoWriter();
        for (byte[] n : nodes) {
            head.bytes(1, n);
        }
        head.string(2, name);
        ProtoWriter tail = new ProtoWriter();
        for (byte[] i : inputs) {
            tail.bytes(11, i);
        }
        for (byte[] o : outputs) {
            tail.bytes(12, o);
        }
        long initBytes = 0;
        for (byte[] init : initProtos) {
            initBytes += ProtoWriter.lengthDelimitedHeader(5, init.length).length + init.length;
        }
        long graphSize = head.size() + initBytes + tail.size();

        ProtoWriter model = new ProtoWriter()
                .varint(1, 8) // ir_version 8 pairs with opset 17
                .string(2, "kembed")
                .message(8, new ProtoWriter().string(1, "").varint(2, OPSET));
        if (usesMsDomain) {
            model.message(8, new ProtoWriter().string(1, MS_DOMAIN).varint(2, 1));
        }
        out.write(model.toByteArray());
        out.write(ProtoWriter.lengthDelimitedHeader(7, graphSize));
        out.write(head.toByteArray());
        for (byte[] init : initProtos) {
            out.write(ProtoWriter.lengthDelimitedHeader(5, init.length));
            out.write(init);
        }
        out.write(tail.toByteArray());
    }

    /** Writes the model to {@code file}; with more than {@link #EXTERNAL_DATA_THRESHOLD} bytes of weights, as ONNX external data. */
    public void writeTo(Path file) throws IOException {
        writeTo(file, EXTERNAL_DATA_THRESHOLD);
    }

    /**
     * Writes the model to {@code file}. When the weights exceed {@code threshold} bytes, every
     * initializer of 1 KiB or more goes to {@code <file name>.data} beside it (ONNX external data,
     * 64-byte aligned, found by ONNX Runtime relative to the model), the rest stays inline.
     */
    public void writeTo(Path file, long threshold) throws IOException {
        if (weightBytes() <= threshold) {
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
                writeTo(out, null, null);
            }
            return;
        }
        String location = file.getFileName() + ".data";
        List<Long> offsets = new ArrayList<>();
        try (OutputStream data = new BufferedOutputStream(Files.newOutputStream(file.resolveSibling(location)), 1 << 20)) {
            long at = 0;
            for (Initializer i : initializers) {
                if (i.raw().length < 1024) {
                    offsets.add(null);
                    continue;
                }
                long aligned = (at + 63) / 64 * 64;
                data.write(new byte[(int) (aligned - at)]);
                data.write(i.raw());
                offsets.add(aligned);
                at = aligned + i.raw().length;
            }
        }
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            writeTo(out, location, offsets);
        }
    }

    /** A node attribute. */
    public record Attr(String name, int type, long i, float f, long[] ints) {
        public static Attr i(String name, long value) {
            return new Attr(name, 2, value, 0f, null);
        }

        public static Attr f(String name, float value) {
            return new Attr(name, 1, 0, value, null);
        }

        public static Attr ints(String name, long... values) {
            return new Attr(name, 7, 0, 0f, values);
        }

        ProtoWriter encode() {
            ProtoWriter w = new ProtoWriter().string(1, name);
            switch (type) {
                case 1 -> w.float32(2, f);
                case 2 -> w.varint(3, i);
                case 7 -> {
                    for (long v : ints) {
                        w.varint(8, v);
                    }
                }
                default -> throw new IllegalStateException("attribute type " + type);
            }
            return w.varint(20, type);
        }
    }
}
