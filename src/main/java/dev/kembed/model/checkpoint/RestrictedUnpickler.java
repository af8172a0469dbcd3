package dev.kembed.model.checkpoint;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A pickle interpreter that understands only what a PyTorch state dict needs. It never runs code:
 * a GLOBAL outside the allow-list (OrderedDict, tensor/parameter rebuild functions, storage types)
 * is refused by name, which is what makes loading an untrusted {@code pytorch_model.bin} safe.
 */
final class RestrictedUnpickler {
    static final Set<String> ALLOWED_GLOBALS = Set.of(
            "collections.OrderedDict",
            "torch._utils._rebuild_tensor_v2",
            "torch._utils._rebuild_parameter",
            "torch.FloatStorage", "torch.HalfStorage", "torch.BFloat16Storage", "torch.DoubleStorage",
            "torch.LongStorage", "torch.IntStorage", "torch.BoolStorage", "torch.ByteStorage");

    /** A reference to a global the allow-list admitted. */
    record Global(String qualifiedName) {}

    /** A storage reference from BINPERSID: ('storage', type, key, location, numel). */
    record StorageRef(String storageType, String key, long numel) {}

    /** A tensor view over a storage, as _rebuild_tensor_v2 describes it. */
    record TensorRef(StorageRef storage, long offset, int[] size, long[] stride) {}

    private static final Object MARK = new Object();

    private final ByteBuffer in;
    private final String source;
    private final List<Object> stack = new ArrayList<>();
    private final Map<Integer, Object> memo = new HashMap<>();

    RestrictedUnpickler(byte[] data, String source) {
        this.in = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        this.source = source;
    }

    Object load() {
        try {
            return run();
        } catch (java.nio.BufferUnderflowException e) {
            throw fail("truncated: an opcode's argument runs past the end of the pickle at offset " + in.position());
        }
    }

    private Object run() {
        while (true) {
            if (!in.hasRemaining()) {
                throw fail("pickle ended without STOP");
            }
            int op = in.get() & 0xff;
            switch (op) {
                case 0x80 -> in.get(); // PROTO
                case 0x95 -> in.getLong(); // FRAME
                case '.' -> {
                    return pop();
                }
                case '}' -> push(new LinkedHashMap<Object, Object>());
                case ']' -> push(new ArrayList<Object>());
                case ')' -> push(List.of());
                case '(' -> push(MARK);
                case 'q' -> memo.put(in.get() & 0xff, peek());
                case 'r' -> memo.put(in.getInt(), peek());
                case 0x94 -> memo.put(memo.size(), peek());
                case 'h' -> push(memoGet(in.get() & 0xff));
                case 'j' -> push(memoGet(in.getInt()));
                case 'J' -> push((long) in.getInt());
                case 'K' -> push((long) (in.get() & 0xff));
                case 'M' -> push((long) (in.getShort() & 0xffff));
                case 0x8a -> push(long1(in.get() & 0xff));
                case 'X' -> push(utf8(in.getInt() & 0xffffffffL));
                case 0x8c -> push(utf8(in.get() & 0xff));
                case 0x8d -> push(utf8(in.getLong()));
                case 'C' -> push(bytes(in.get() & 0xff));
                case 'B' -> push(bytes(in.getInt() & 0xffffffffL));
                case 'c' -> push(global(line() + "." + line()));
                case 0x93 -> {
                    String name = (String) pop();
                    String module = (String) pop();
                    push(global(module + "." + name));
                }
                case 't' -> push(List.copyOf(popToMark()));
                case 0x85 -> push(List.of(pop()));
                case 0x86 -> {
                    Object b = pop();
                    Object a = pop();
                    push(List.of(a, b));
                }
                case 0x87 -> {
                    Object c = pop();
                    Object b = pop();
                    Object a = pop();
                    push(List.of(a, b, c));
                }
                case 'N' -> push(NONE);
                case 0x88 -> push(Boolean.TRUE);
                case 0x89 -> push(Boolean.FALSE);
                case 'G' -> push(in.order(ByteOrder.BIG_ENDIAN).getDouble());
                case 'Q' -> push(persistent(pop()));
                case 'R' -> {
                    Object args = pop();
                    Object fn = pop();
                    push(call(fn, (List<?>) args));
                }
                case 0x81 -> {
                    Object args = pop();
                    Object cls = pop();
                    push(call(cls, (List<?>) args));
                }
                case 'b' -> pop(); // BUILD: state for OrderedDict/tensors carries nothing we need
                case 's' -> {
                    Object v = pop();
                    Object k = pop();
                    dict(peek()).put(k, v);
                }
                case 'u' -> {
                    List<Object> items = popToMark();
                    Map<Object, Object> d = dict(peek());
                    for (int i = 0; i + 1 < items.size(); i += 2) {
                        d.put(items.get(i), items.get(i + 1));
                    }
                }
                case 'a' -> {
                    Object v = pop();
                    list(peek()).add(v);
                }
                case 'e' -> {
                    List<Object> items = popToMark();
                    list(peek()).addAll(items);
                }
                case '0' -> pop();
                case '1' -> popToMark();
                case '2' -> push(peek());
                default -> throw fail(String.format("pickle opcode 0x%02x is not allowed in a state dict", op));
            }
            in.order(ByteOrder.LITTLE_ENDIAN);
        }
    }

    static final Object NONE = new Object() {
        @Override
        public String toString() {
            return "None";
        }
    };

    private Global global(String qualified) {
        if (!ALLOWED_GLOBALS.contains(qualified)) {
            throw fail("forbidden global '" + qualified + "': a state dict only needs " + ALLOWED_GLOBALS.stream().sorted().toList()
                    + "; refusing to load (this file could run code in Python)");
        }
        return new Global(qualified);
    }

    private Object persistent(Object pid) {
        if (!(pid instanceof List<?> t) || t.size() < 5 || !"storage".equals(t.get(0)) || !(t.get(1) instanceof Global g)) {
            throw fail("unexpected persistent id " + pid);
        }
        return new StorageRef(g.qualifiedName(), String.valueOf(t.get(2)), ((Number) t.get(4)).longValue());
    }

    private Object call(Object fn, List<?> args) {
        if (!(fn instanceof Global g)) {
            throw fail("REDUCE on a non-callable " + fn);
        }
        switch (g.qualifiedName()) {
            case "collections.OrderedDict" -> {
                return new LinkedHashMap<Object, Object>();
            }
            case "torch._utils._rebuild_tensor_v2" -> {
                StorageRef storage = (StorageRef) args.get(0);
                long offset = ((Number) args.get(1)).longValue();
                int[] size = ((List<?>) args.get(2)).stream().mapToInt(o -> ((Number) o).intValue()).toArray();
                long[] stride = ((List<?>) args.get(3)).stream().mapToLong(o -> ((Number) o).longValue()).toArray();
                return new TensorRef(storage, offset, size, stride);
            }
            case "torch._utils._rebuild_parameter" -> {
                return args.get(0);
            }
            default -> throw fail("'" + g.qualifiedName() + "' cannot be called here");
        }
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> dict(Object o) {
        if (o instanceof Map<?, ?> m) {
            return (Map<Object, Object>) m;
        }
        throw fail("SETITEM on a non-dict");
    }

    @SuppressWarnings("unchecked")
    private List<Object> list(Object o) {
        if (o instanceof ArrayList<?> l) {
            return (List<Object>) l;
        }
        throw fail("APPEND on a non-list");
    }

    private Object memoGet(int key) {
        Object v = memo.get(key);
        if (v == null) {
            throw fail("memo key " + key + " unset");
        }
        return v;
    }

    private long long1(int n) {
        long v = 0;
        for (int i = 0; i < n; i++) {
            v |= (long) (in.get() & 0xff) << (8 * i);
        }
        if (n > 0 && n < 8 && (v & (1L << (8 * n - 1))) != 0) {
            v -= 1L << (8 * n);
        }
        return v;
    }

    private String utf8(long n) {
        return new String(bytes(n), StandardCharsets.UTF_8);
    }

    /** A length read from the file is checked against what the file still holds before anything is allocated for it. */
    private byte[] bytes(long n) {
        int at = in.position();
        if (n < 0 || n > in.remaining()) {
            throw fail("a length of " + n + " bytes at offset " + at + " runs past the end of the pickle (" + in.remaining() + " bytes left)");
        }
        byte[] b = new byte[(int) n];
        in.get(b);
        return b;
    }

    private String line() {
        StringBuilder sb = new StringBuilder();
        byte b;
        while ((b = in.get()) != '\n') {
            sb.append((char) b);
        }
        return sb.toString();
    }

    private void push(Object o) {
        stack.add(o);
    }

    private Object pop() {
        if (stack.isEmpty()) {
            throw fail("stack underflow");
        }
        return stack.remove(stack.size() - 1);
    }

    private Object peek() {
        if (stack.isEmpty()) {
            throw fail("stack underflow");
        }
        return stack.get(stack.size() - 1);
    }

    private List<Object> popToMark() {
        int i = stack.size() - 1;
        while (i >= 0 && stack.get(i) != MARK) {
            i--;
        }
        if (i < 0) {
            throw fail("no MARK on the stack");
        }
        List<Object> items = new ArrayList<>(stack.subList(i + 1, stack.size()));
        stack.subList(i, stack.size()).clear();
        return items;
    }

    private CheckpointException fail(String what) {
        return new CheckpointException(source + ": " + what);
    }

}
