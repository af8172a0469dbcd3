package dev.kembed.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kembed.model.arch.Checkpoint;
import dev.kembed.model.arch.CheckpointWriter;
import dev.kembed.model.checkpoint.FloatTensor;
import dev.kembed.testing.Captured;
import dev.kembed.testing.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kembed model verify}: zero difference against itself, exit 1 naming the bucket against a planted difference. */
class ModelVerifyTest {
    @TempDir
    static Path tmp;

    @Test
    void theCpuEngineAgainstItselfShowsZeroDifference() {
        Path model = TestModels.tiny(tmp.resolve("tiny"));
        Captured r = Captured.run("model", "verify", "--model", model.toString(), "--engine", "onnxruntime-cpu", "--lengths", "32,96");
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        assertThat(r.stdout()).contains("engine=onnxruntime-cpu  precision=fp32")
                .containsPattern("(?m)^32 +4 +0\\.000e\\+00 +1\\.000000 +ok$")
                .containsPattern("(?m)^96 +4 +0\\.000e\\+00 +1\\.000000 +ok$");
        assertThat(r.stderr()).contains("agrees with onnxruntime-cpu fp32 on 2 buckets");
    }

    @Test
    void aPlantedDifferenceFailsAndNamesTheBucket() throws Exception {
        Path model = TestModels.tiny(tmp.resolve("tiny"));
        Path perturbed = tmp.resolve("perturbed");
        Checkpoint ckpt = Checkpoint.load(model);
        Map<String, FloatTensor> weights = new LinkedHashMap<>(ckpt.weights());
        String name = "encoder.layer.2.output.dense.bias";
        weights.put(name, weights.get(name).scaled(1.05f)); // 5% on one bias of the last layer
        CheckpointWriter.write(perturbed, ckpt.config(), weights);
        Files.copy(model.resolve("tokenizer.json"), perturbed.resolve("tokenizer.json"));

        Captured r = Captured.run("model", "verify", "--model", perturbed.toString(), "--reference-model", model.toString(), "--engine", "onnxruntime-cpu",
                "--lengths", "64");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.stdout()).containsPattern("(?m)^64 +4 +.*FAIL: max abs difference");
        assertThat(r.stderr()).contains("onnxruntime-cpu fp32 FAILED on bucket 64: max abs difference").contains("> 0.00100");
    }

    @Test
    void int8IsCheckedByCosine() {
        Path model = TestModels.tiny(tmp.resolve("tiny"));
        Captured r = Captured.run("model", "verify", "--model", model.toString(), "--engine", "onnxruntime-cpu", "--precision", "int8", "--lengths", "64");
        assertThat(r.stdout()).contains("precision=int8");
        assertThat(r.exitCode()).as(r.stdout()).isZero();
    }
}
