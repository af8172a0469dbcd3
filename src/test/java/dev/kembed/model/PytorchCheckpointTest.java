package dev.kembed.model;

import dev.kembed.model.arch.Checkpoint;
import dev.kembed.model.checkpoint.CheckpointException;
import dev.kembed.model.checkpoint.FloatTensor;
import dev.kembed.model.checkpoint.SafetensorsFile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * pytorch_model.bin via the restricted unpickler. The fixtures are written by
 * src/test/resources/fixtures/make_torch_zip.py with Python's own pickle module.
 */
class PytorchCheckpointTest {
    static Path fixture(String name) {
        return Path.of("src/test/resources/fixtures", name);
    }

    @Test
    void stateDictLoadsWithTheSameValuesAsSafetensors() {
        Checkpoint ckpt = Checkpoint.load(fixture("torch-tiny"));
        Map<String, SafetensorsFile.Entry> expected = SafetensorsFile.read(fixture("torch-tiny/expected.safetensors"));
        assertThat(ckpt.weights().keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet()); // "longformer." stripped
        expected.forEach((name, e) -> {
            FloatTensor want = e.toFloat(Path.of("expected"));
            FloatTensor got = ckpt.tensor(name);
            assertThat(got.shape()).as(name).isEqualTo(want.shape());
            assertThat(got.data()).as(name).containsExactly(want.data());
        });
    }

    @Test
    void transposedStorageIsReadThroughItsStrides() {
        Checkpoint ckpt = Checkpoint.load(fixture("torch-tiny"));
        FloatTensor t = ckpt.tensor("encoder.layer.0.intermediate.dense.weight");
        FloatTensor want = SafetensorsFile.read(fixture("torch-tiny/expected.safetensors"))
                .get("encoder.layer.0.intermediate.dense.weight").toFloat(Path.of("x"));
        assertThat(t.data()).containsExactly(want.data());
    }

    @Test
    void forbiddenGlobalIsRefusedWithoutRunningIt() {
        assertThatThrownBy(() -> Checkpoint.load(fixture("torch-evil")))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("pytorch_model.bin")
                .hasMessageContaining("forbidden global 'posix.system'")
                .hasMessageContaining("refusing to load");
    }

    @Test
    void shardedPytorchCheckpointViaItsIndex(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        java.nio.file.Files.copy(fixture("torch-tiny/config.json"), tmp.resolve("config.json"));
        java.nio.file.Files.copy(fixture("torch-tiny/pytorch_model.bin"), tmp.resolve("pytorch_model-00001-of-00001.bin"));
        var index = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
        var map = index.putObject("weight_map");
        Checkpoint.load(fixture("torch-tiny")).weights().keySet().forEach(k -> map.put("longformer." + k, "pytorch_model-00001-of-00001.bin"));
        new com.fasterxml.jackson.databind.ObjectMapper().writeValue(tmp.resolve("pytorch_model.bin.index.json").toFile(), index);
        Checkpoint sharded = Checkpoint.load(tmp);
        assertThat(sharded.weights()).hasSameSizeAs(Checkpoint.load(fixture("torch-tiny")).weights());
        assertThat(Checkpoint.fingerprint(tmp)).isNotEqualTo(Checkpoint.fingerprint(fixture("torch-tiny")));
    }
}
