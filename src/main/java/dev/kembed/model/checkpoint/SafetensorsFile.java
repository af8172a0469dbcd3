package dev.kembed.model.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads a {@code .safetensors} file: an 8-byte little-endian header length, a JSON header naming
 * each tensor's dtype, shape and byte range, then the raw data. Every offset is checked against the
 * file size so a truncated download fails with the tensor's name instead of garbage weights.
 */
public final class SafetensorsFile {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One tensor's raw little-endian bytes, as stored. */
    public record Entry(String name, String dtype, int[] shape, ByteBuffer bytes) {
        public long numel() {
            long n = 1;
            for (int d : shape) {
                n *= d;
            }
            return n;
        }

        public FloatTensor toFloat(Path file) {
            int n = Math.toIntExact(numel());
            float[] out = new float[n];
            ByteBuffer b = bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            switch (dtype) {
                case "F32" -> b.asFloatBuffer().get(out);
                case "F16" -> {
                    for (int i = 0; i < n; i++) {
                        out[i] = halfToFloat(b.getShort(2 * i));
                    }
                }
                case "BF16" -> {
                    for (int i = 0; i < n; i++) {
                        out[i] = Float.intBitsToFloat((b.getShort(2 * i) & 0xffff) << 16);
                    }
                }
                case "F64" -> {
                    for (int i = 0; i < n; i++) {
                        out[i] = (float) b.getDouble(8 * i);
                    }
                }
                default -> throw new CheckpointException(file + ": tensor '" + name + "' has dtype " + dtype
                        + "; weights must be F32, F16 or BF16");
            }
            return new FloatTensor(shape, out);
        }

        public double[] toDoubles() {
            int n = Math.toIntExact(numel());
            double[] out = new double[n];
            ByteBuffer b = bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < n; i++) {
                out[i] = switch (dtype) {
                    case "F64" -> b.getDouble(8 * i);
                    case "F32" -> b.getFloat(4 * i);
                    default -> throw new IllegalStateException(name + ": not a float tensor: " + dtype);
                };
            }
            return out;
        }

        public long[] toLongs() {
            int n = Math.toIntExact(numel());
            long[] out = new long[n];
            ByteBuffer b = bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < n; i++) {
                out[i] = switch (dtype) {
                    case "I64" -> b.getLong(8 * i);
                    case "I32" -> b.getInt(4 * i);
                    case "BOOL", "U8", "I8" -> b.get(i);
                    default -> throw new IllegalStateException(name + ": not an integer tensor: " + dtype);
                };
            }
            return out;
        }
    }

    private SafetensorsFile() {}

    /** IEEE binary16 to float (Float.float16ToFloat only arrived in Java 20). */
    static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) {
            float v = mant * 0x1p-24f;
            return sign == 0 ? v : -v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    static int dtypeSize(String dtype) {
        return switch (dtype) {
            case "F64", "I64", "U64" -> 8;
            case "F32", "I32", "U32" -> 4;
            case "F16", "BF16", "I16", "U16" -> 2;
            case "BOOL", "U8", "I8", "F8_E4M3", "F8_E5M2" -> 1;
            default -> -1;
        };
    }

    public static Map<String, Entry> read(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw new CheckpointException(file + ": not a safetensors file (only " + size + " bytes)");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(lenBuf, 0);
            long headerLen = lenBuf.getLong(0);
            if (headerLen <= 0 || headerLen > 100_000_000L || 8 + headerLen > size) {
                throw new CheckpointException(file + ": header length " + headerLen
                        + " does not fit the file size " + size + " (truncated or not a safetensors file)");
            }
            ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
            ch.read(hb, 8);
            JsonNode header;
            try {
                header = JSON.readTree(hb.array());
            } catch (IOException e) {
                throw new CheckpointException(file + ": header is not valid JSON (truncated?): " + e.getMessage(), e);
            }
            long dataStart = 8 + headerLen;
            long dataLen = size - dataStart;
            Map<String, Entry> out = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().equals("__metadata__")) {
                    continue;
                }
                out.put(e.getKey(), entry(file, ch, e.getKey(), e.getValue(), dataStart, dataLen));
            }
            return out;
        } catch (IOException e) {
            throw new CheckpointException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    private static Entry entry(Path file, FileChannel ch, String name, JsonNode meta, long dataStart, long dataLen)
            throws IOException {
        String dtype = meta.path("dtype").asText();
        int elem = dtypeSize(dtype);
        if (elem < 0) {
            throw new CheckpointException(file + ": tensor '" + name + "' has unknown dtype '" + dtype + "'");
        }
        JsonNode shapeNode = meta.path("shape");
        int[] shape = new int[shapeNode.size()];
        long numel = 1;
        for (int i = 0; i < shape.length; i++) {
            shape[i] = shapeNode.get(i).asInt();
            numel *= shape[i];
        }
        long begin = meta.path("data_offsets").path(0).asLong(-1);
        long end = meta.path("data_offsets").path(1).asLong(-1);
        if (begin < 0 || end < begin || end - begin != numel * elem) {
            throw new CheckpointException(file + ": tensor '" + name + "' has data_offsets [" + begin + ", " + end
                    + "] that do not match its shape and dtype (" + numel * elem + " bytes)");
        }
        if (end > dataLen) {
            throw new CheckpointException(file + ": tensor '" + name + "' ends at byte " + end + " of the data section but the file holds only "
                    + dataLen + " data bytes: the file is truncated");
        }
        if (end - begin > Integer.MAX_VALUE) {
            throw new CheckpointException(file + ": tensor '" + name + "' is larger than 2 GiB");
        }
        ByteBuffer buf = ByteBuffer.allocate((int) (end - begin));
        long pos = dataStart + begin;
        while (buf.hasRemaining()) {
            int r = ch.read(buf, pos + buf.position());
            if (r < 0) {
                throw new CheckpointException(file + ": tensor '" + name + "': unexpected end of file");
            }
        }
        buf.flip();
        return new Entry(name, dtype, shape, buf);
    }
}
