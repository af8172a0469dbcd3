package dev.kembed.model.checkpoint;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Reads {@code pytorch_model.bin} in PyTorch's zip format ({@code <archive>/data.pkl} plus one
 * entry per storage under {@code <archive>/data/}) through {@link RestrictedUnpickler}.
 */
public final class PytorchCheckpointReader {
    private PytorchCheckpointReader() {}

    public static Map<String, FloatTensor> read(Path file) {
        try (ZipFile zip = new ZipFile(file.toFile())) {
            ZipEntry pkl = zip.stream().filter(e -> e.getName().endsWith("/data.pkl") || e.getName().equals("data.pkl"))
                    .findFirst()
                    .orElseThrow(() -> new CheckpointException(file + ": no data.pkl inside; only PyTorch's zip format (torch >= 1.6) is supported"));
            String prefix = pkl.getName().substring(0, pkl.getName().length() - "data.pkl".length());
            Object root;
            try (InputStream s = zip.getInputStream(pkl)) {
                root = new RestrictedUnpickler(s.readAllBytes(), file + " (" + pkl.getName() + ")").load();
            }
            if (!(root instanceof Map<?, ?> dict)) {
                throw new CheckpointException(file + ": the pickle is not a state dict (got " + root + ")");
            }
            Map<String, FloatTensor> out = new LinkedHashMap<>();
            Map<String, byte[]> storages = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : dict.entrySet()) {
                String name = String.valueOf(e.getKey());
                if (!(e.getValue() instanceof RestrictedUnpickler.TensorRef t)) {
                    continue; // e.g. an integer buffer such as a step counter
                }
                byte[] raw = storages.computeIfAbsent(t.storage().key(), k -> readEntry(zip, file, prefix + "data/" + k, name));
                out.put(name, toFloat(file, name, t, raw));
            }
            return out;
        } catch (IOException e) {
            throw new CheckpointException(file + ": not a readable zip archive: " + e.getMessage(), e);
        }
    }

    private static byte[] readEntry(ZipFile zip, Path file, String entry, String tensor) {
        ZipEntry ze = zip.getEntry(entry);
        if (ze == null) {
            throw new CheckpointException(file + ": storage entry '" + entry + "' of tensor '" + tensor + "' is missing");
        }
        try (InputStream s = zip.getInputStream(ze)) {
            return s.readAllBytes();
        } catch (IOException e) {
            throw new CheckpointException(file + ": cannot read '" + entry + "': " + e.getMessage(), e);
        }
    }

    private static FloatTensor toFloat(Path file, String name, RestrictedUnpickler.TensorRef t, byte[] raw) {
        String type = t.storage().storageType();
        int elem = switch (type) {
            case "torch.FloatStorage" -> 4;
            case "torch.HalfStorage", "torch.BFloat16Storage" -> 2;
            case "torch.DoubleStorage" -> 8;
            default -> throw new CheckpointException(file + ": tensor '" + name + "' is stored as " + type
                    + "; weights must be float, half, bfloat16 or double");
        };
        if (raw.length < t.storage().numel() * elem) {
            throw new CheckpointException(file + ": storage of tensor '" + name + "' holds " + raw.length
                    + " bytes, needs " + t.storage().numel() * elem + " (truncated)");
        }
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        int n = 1;
        for (int d : t.size()) {
            n *= d;
        }
        float[] out = new float[n];
        int[] idx = new int[t.size().length];
        for (int i = 0; i < n; i++) {
            long pos = t.offset();
            for (int d = 0; d < idx.length; d++) {
                pos += idx[d] * t.stride()[d];
            }
            if (pos >= t.storage().numel()) {
                throw new CheckpointException(file + ": tensor '" + name + "' reaches past its storage");
            }
            int at = (int) pos * elem;
            out[i] = switch (elem) {
                case 4 -> b.getFloat(at);
                case 8 -> (float) b.getDouble(at);
                default -> type.equals("torch.HalfStorage")
                        ? SafetensorsFile.halfToFloat(b.getShort(at))
                        : Float.intBitsToFloat((b.getShort(at) & 0xffff) << 16);
            };
            for (int d = idx.length - 1; d >= 0; d--) {
                if (++idx[d] < t.size()[d]) {
                    break;
                }
                idx[d] = 0;
            }
        }
        return new FloatTensor(t.size(), out);
    }
}
