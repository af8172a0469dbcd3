package dev.kembed.model;

import dev.kembed.model.arch.Checkpoint;
import dev.kembed.model.checkpoint.FloatTensor;
import dev.kembed.model.arch.ModelConfig;
import dev.kembed.model.arch.Architectures;
import dev.kembed.model.checkpoint.SafetensorsWriter;
import dev.kembed.model.recipe.RandomCheckpoint;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kembed.testing.TestModels;
import dev.kembed.text.DocumentTokenizer;
import dev.kembed.text.TokenizedText;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Weight and tokenizer formats users bring: F16/BF16, sharded safetensors, vocab.json + merges.txt. */
class CheckpointFormatsTest {
    @TempDir
    Path tmp;

    static final ModelConfig CFG = new ModelConfig(Architectures.LONGFORMER, 64, 8, 1, 2, 12, 34, 1, 1e-5, 1, 0, 2, new int[] {4});

    /** Writes tensors with the given dtype ("F16" or "BF16") by hand, as torch would. */
    static void writeHalf(Path file, Map<String, FloatTensor> tensors, String dtype) throws Exception {
        ObjectMapper json = new ObjectMapper();
        ObjectNode header = json.createObjectNode();
        long offset = 0;
        for (var e : tensors.entrySet()) {
            ObjectNode m = header.putObject(e.getKey());
            m.put("dtype", dtype);
            var shape = m.putArray("shape");
            for (int d : e.getValue().shape()) {
                shape.add(d);
            }
            m.putArray("data_offsets").add(offset).add(offset + 2L * e.getValue().data().length);
            offset += 2L * e.getValue().data().length;
        }
        byte[] h = json.writeValueAsBytes(header);
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
            out.write(h);
            for (FloatTensor t : tensors.values()) {
                ByteBuffer b = ByteBuffer.allocate(2 * t.data().length).order(ByteOrder.LITTLE_ENDIAN);
                for (float v : t.data()) {
                    b.putShort(dtype.equals("BF16") ? (short) (Float.floatToIntBits(v) >>> 16) : toHalf(v));
                }
                out.write(b.array());
            }
        }
    }

    static short toHalf(float v) {
        int bits = Float.floatToIntBits(v);
        int sign = (bits >>> 16) & 0x8000;
        int exp = ((bits >>> 23) & 0xff) - 127 + 15;
        int mant = (bits >>> 13) & 0x3ff;
        if (exp <= 0) {
            return (short) sign;
        }
        return (short) (sign | (exp << 10) | mant);
    }

    @Test
    void halfAndBfloat16WeightsLoadWithinTheirPrecision() throws Exception {
        Map<String, FloatTensor> w = RandomCheckpoint.weights(CFG, 3, 0.5);
        for (String dtype : new String[] {"F16", "BF16"}) {
            Path dir = tmp.resolve(dtype);
            Files.createDirectories(dir);
            new ObjectMapper().writeValue(dir.resolve("config.json").toFile(), CFG.toJson());
            writeHalf(dir.resolve("model.safetensors"), w, dtype);
            Checkpoint c = Checkpoint.load(dir);
            double tol = dtype.equals("F16") ? 2e-3 : 1.6e-2;
            w.forEach((name, t) -> {
                float[] got = c.tensor(name).data();
                for (int i = 0; i < got.length; i++) {
                    assertThat((double) got[i]).as(dtype + " " + name).isCloseTo(t.data()[i], org.assertj.core.data.Offset.offset(tol * Math.max(1, Math.abs(t.data()[i]))));
                }
            });
        }
    }

    @Test
    void shardedSafetensorsWithPrefixedNames() throws Exception {
        Map<String, FloatTensor> w = RandomCheckpoint.weights(CFG, 4, 0.5);
        Map<String, FloatTensor> a = new LinkedHashMap<>();
        Map<String, FloatTensor> b = new LinkedHashMap<>();
        ObjectNode index = new ObjectMapper().createObjectNode();
        ObjectNode map = index.putObject("weight_map");
        int i = 0;
        for (var e : w.entrySet()) {
            String name = "longformer." + e.getKey();
            (i++ % 2 == 0 ? a : b).put(name, e.getValue());
            map.put(name, i % 2 == 1 ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors");
        }
        Path dir = tmp.resolve("sharded");
        Files.createDirectories(dir);
        new ObjectMapper().writeValue(dir.resolve("config.json").toFile(), CFG.toJson());
        SafetensorsWriter.write(dir.resolve("model-00001-of-00002.safetensors"), a);
        SafetensorsWriter.write(dir.resolve("model-00002-of-00002.safetensors"), b);
        new ObjectMapper().writeValue(dir.resolve("model.safetensors.index.json").toFile(), index);
        Checkpoint c = Checkpoint.load(dir);
        w.forEach((name, t) -> assertThat(c.tensor(name).data()).containsExactly(t.data()));
        assertThat(Checkpoint.fingerprint(dir)).hasSize(16);
    }

    /** A changed tokenizer turns the same text into other ids: another model, another fingerprint. Same files, same fingerprint. */
    @Test
    void theFingerprintCoversTheTokenizer() throws Exception {
        Path model = TestModels.tiny(tmp.resolve("fp-tiny"));
        Path copy = tmp.resolve("fp-copy");
        Files.createDirectories(copy);
        try (var files = Files.list(model)) {
            for (Path p : files.toList()) {
                Files.copy(p, copy.resolve(p.getFileName()));
            }
        }
        String before = Checkpoint.fingerprint(copy);
        assertThat(before).isEqualTo(Checkpoint.fingerprint(model));
        ObjectNode tok = (ObjectNode) new ObjectMapper().readTree(copy.resolve("tokenizer.json").toFile());
        ((ObjectNode) tok.path("model").path("vocab")).put("kembed-new-token", 1_000_000);
        new ObjectMapper().writeValue(copy.resolve("tokenizer.json").toFile(), tok);
        String after = Checkpoint.fingerprint(copy);
        assertThat(after).hasSize(16).isNotEqualTo(before);
        Files.delete(copy.resolve("tokenizer.json"));
        assertThat(Checkpoint.fingerprint(copy)).as("without tokenizer.json").isNotEqualTo(before).isNotEqualTo(after);
    }

    @Test
    void vocabAndMergesGiveTheSameTokensAsTokenizerJson() throws Exception {
        Path model = TestModels.tiny(tmp.resolve("tiny"));
        var root = new ObjectMapper().readTree(model.resolve("tokenizer.json").toFile());
        Path dir = tmp.resolve("vm");
        Files.createDirectories(dir);
        ObjectNode vocab = new ObjectMapper().createObjectNode();
        for (Iterator<Map.Entry<String, com.fasterxml.jackson.databind.JsonNode>> it = root.path("model").path("vocab").fields(); it.hasNext(); ) {
            var e = it.next();
            vocab.put(e.getKey(), e.getValue().asInt());
        }
        new ObjectMapper().writeValue(dir.resolve("vocab.json").toFile(), vocab);
        StringBuilder merges = new StringBuilder("#version: 0.2\n");
        root.path("model").path("merges").forEach(m -> merges.append(m.asText()).append('\n'));
        Files.writeString(dir.resolve("merges.txt"), merges.toString(), StandardCharsets.UTF_8);
        String text = "  The river rose slowly; café 😀 naïve, 42 times!";
        try (DocumentTokenizer fromJson = DocumentTokenizer.open(model, 100_000);
                DocumentTokenizer fromFiles = DocumentTokenizer.open(dir, 100_000)) {
            TokenizedText a = fromJson.tokenize(text);
            TokenizedText b = fromFiles.tokenize(text);
            assertThat(b.ids()).containsExactly(a.ids());
            assertThat(b.charStart()).containsExactly(a.charStart());
            assertThat(fromFiles.decode(b.ids())).isEqualTo(text);
        }
    }
}
