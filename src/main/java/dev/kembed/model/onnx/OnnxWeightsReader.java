package dev.kembed.model.onnx;

import dev.kembed.model.checkpoint.CheckpointException;
import dev.kembed.model.checkpoint.FloatTensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads float initializers (and the MatMul nodes that use them) back out of an ONNX file, so a
 * model somebody else exported can be turned into a Hugging Face-named checkpoint. Exporters
 * such as optimum name MatMul weights {@code onnx::MatMul_123}; the consuming node's name
 * ({@code /encoder/layer.0/attention/self/query/MatMul}) gives back the HF name.
 */
public final class OnnxWeightsReader {
    private OnnxWeightsReader() {}

    /** HF-named weights, Linear weights as [out, in]. */
    public static Map<String, FloatTensor> hfWeights(byte[] onnx) {
        ByteBuffer model = ByteBuffer.wrap(onnx).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer graph = null;
        while (model.hasRemaining()) {
            long tag = varint(model);
            if ((tag >>> 3) == 7 && (tag & 7) == 2) {
                graph = slice(model);
            } else {
                skip(model, (int) (tag & 7));
            }
        }
        if (graph == null) {
            throw new CheckpointException("ONNX file has no graph");
        }
        Map<String, FloatTensor> initializers = new LinkedHashMap<>();
        List<String[]> matmuls = new ArrayList<>(); // {node name, input 0, input 1}
        while (graph.hasRemaining()) {
            long tag = varint(graph);
            int field = (int) (tag >>> 3);
            if (field == 5 && (tag & 7) == 2) {
                readTensor(slice(graph), initializers);
            } else if (field == 1 && (tag & 7) == 2) {
                String[] node = readNode(slice(graph));
                if (node != null) {
                    matmuls.add(node);
                }
            } else {
                skip(graph, (int) (tag & 7));
            }
        }
        Map<String, FloatTensor> out = new LinkedHashMap<>();
        initializers.forEach((name, t) -> {
            if (!name.startsWith("onnx::")) {
                out.put(name, t);
            }
        });
        for (String[] n : matmuls) {
            String w = initializers.containsKey(n[2]) ? n[2] : initializers.containsKey(n[1]) ? n[1] : null;
            if (w == null || !w.startsWith("onnx::")) {
                continue;
            }
            String path = n[0].replaceFirst("^/", "").replaceFirst("/MatMul$", "").replace('/', '.');
            out.put(path + ".weight", initializers.get(w).transpose2d());
        }
        return out;
    }

    private static void readTensor(ByteBuffer t, Map<String, FloatTensor> out) {
        List<Integer> dims = new ArrayList<>();
        int type = 0;
        String name = null;
        ByteBuffer raw = null;
        List<Float> floatData = new ArrayList<>();
        while (t.hasRemaining()) {
            long tag = varint(t);
            int field = (int) (tag >>> 3);
            int wire = (int) (tag & 7);
            if (field == 1 && wire == 0) {
                dims.add((int) varint(t));
            } else if (field == 1 && wire == 2) {
                ByteBuffer packed = slice(t);
                while (packed.hasRemaining()) {
                    dims.add((int) varint(packed));
                }
            } else if (field == 2) {
                type = (int) varint(t);
            } else if (field == 8) {
                name = new String(bytes(slice(t)), StandardCharsets.UTF_8);
            } else if (field == 9) {
                raw = slice(t).order(ByteOrder.LITTLE_ENDIAN);
            } else if (field == 4 && wire == 2) {
                ByteBuffer packed = slice(t).order(ByteOrder.LITTLE_ENDIAN);
                while (packed.hasRemaining()) {
                    floatData.add(packed.getFloat());
                }
            } else {
                skip(t, wire);
            }
        }
        if (type != OnnxGraph.FLOAT || name == null) {
            return;
        }
        int[] shape = dims.stream().mapToInt(Integer::intValue).toArray();
        float[] data;
        if (raw != null) {
            data = new float[raw.remaining() / 4];
            raw.asFloatBuffer().get(data);
        } else {
            data = new float[floatData.size()];
            for (int i = 0; i < data.length; i++) {
                data[i] = floatData.get(i);
            }
        }
        out.put(name, new FloatTensor(shape, data));
    }

    private static String[] readNode(ByteBuffer n) {
        List<String> inputs = new ArrayList<>();
        String name = "";
        String op = "";
        while (n.hasRemaining()) {
            long tag = varint(n);
            int field = (int) (tag >>> 3);
            if (field == 1) {
                inputs.add(new String(bytes(slice(n)), StandardCharsets.UTF_8));
            } else if (field == 3) {
                name = new String(bytes(slice(n)), StandardCharsets.UTF_8);
            } else if (field == 4) {
                op = new String(bytes(slice(n)), StandardCharsets.UTF_8);
            } else {
                skip(n, (int) (tag & 7));
            }
        }
        if (!op.equals("MatMul") || inputs.size() != 2) {
            return null;
        }
        return new String[] {name, inputs.get(0), inputs.get(1)};
    }

    private static long varint(ByteBuffer b) {
        long v = 0;
        int shift = 0;
        while (true) {
            byte x = b.get();
            v |= (long) (x & 0x7f) << shift;
            if ((x & 0x80) == 0) {
                return v;
            }
            shift += 7;
        }
    }

    private static ByteBuffer slice(ByteBuffer b) {
        int len = (int) varint(b);
        ByteBuffer s = b.slice(b.position(), len).order(ByteOrder.LITTLE_ENDIAN);
        b.position(b.position() + len);
        return s;
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    private static void skip(ByteBuffer b, int wire) {
        switch (wire) {
            case 0 -> varint(b);
            case 1 -> b.position(b.position() + 8);
            case 2 -> slice(b);
            case 5 -> b.position(b.position() + 4);
            default -> throw new CheckpointException("malformed ONNX protobuf (wire type " + wire + ")");
        }
    }
}
