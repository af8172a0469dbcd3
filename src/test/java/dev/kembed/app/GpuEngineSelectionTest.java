package dev.kembed.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.kembed.testing.IntegrationTest;
import dev.kembed.engine.gpu.GpuHost;
import dev.kembed.testing.Captured;
import dev.kembed.testing.TestModels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * On a host without a GPU (these build machines, CI): a GPU engine asked for by name stops with
 * what is missing and the remedy; {@code auto} falls back to the CPU with one line per engine it
 * skips; and nothing of a GPU engine is loaded, neither its classes nor DJL's TensorRT JNI.
 */
@IntegrationTest
class GpuEngineSelectionTest {
    @TempDir
    static Path tmp;

    static Path model;

    @BeforeAll
    static void cpuHost() {
        assumeFalse(GpuHost.current().hasNvidiaDevice(), "this host has an NVIDIA GPU; scripts/gpu-check.sh covers it");
        model = TestModels.tiny(tmp.resolve("tiny"));
    }

    @Test
    void tensorrtByNameStopsNamingTheMissingLibrariesAndTheRemedy() {
        Captured r = Captured.run("embed", "--model", model.toString(), "--engine", "tensorrt", "--input", "-");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.stderr()).contains("--engine=tensorrt cannot run here: no NVIDIA GPU").contains("libnvonnxparser.so.8")
                .contains("TensorRT 8.x").contains("use --engine onnxruntime-cpu").doesNotContain("\tat ");
    }

    @Test
    void onnxruntimeGpuByNameStopsNamingTheJarToBuild() {
        Captured r = Captured.run("embed", "--model", model.toString(), "--engine", "onnxruntime-gpu", "--input", "-");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.stderr()).contains("--engine=onnxruntime-gpu cannot run here: this build carries the CPU-only ONNX Runtime jar")
                .contains("mvn -Pgpu");
    }

    @Test
    void autoFallsBackToTheCpuWithoutLoadingAnyGpuCode() throws Exception {
        Path in = tmp.resolve("docs.jsonl");
        Files.writeString(in, "{\"id\":\"a\",\"text\":\"Kafka keeps ordered logs.\"}\n");
        Path out = tmp.resolve("out.jsonl");
        Path classes = tmp.resolve("classes.log");
        Path djlCache = tmp.resolve("djl-cache");
        Path log = tmp.resolve("child.log");
        ProcessBuilder pb = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g",
                "-Xlog:class+load=info:file=" + classes, "-cp", System.getProperty("java.class.path"), "dev.kembed.cli.KembedCli",
                "embed", "--model", model.toString(), "--input", in.toString(), "--output", out.toString()))
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("DJL_CACHE_DIR", djlCache.toString());
        pb.environment().put("RUST_FLAVOR", "cpu");
        Process p = pb.start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        String stderr = Files.readString(log);
        assertThat(p.exitValue()).as(stderr).isZero();
        assertThat(Files.readAllLines(out)).singleElement().asString().contains("\"embedding\"");

        assertThat(stderr).contains("--engine=auto skips tensorrt: no NVIDIA GPU")
                .contains("--engine=auto skips onnxruntime-gpu: this build carries the CPU-only ONNX Runtime jar")
                .contains("--engine=auto chose onnxruntime-cpu");
        String loaded = Files.readString(classes, StandardCharsets.UTF_8);
        assertThat(loaded).as("the CPU engine ran").contains("dev.kembed.engine.onnxruntime.OnnxRuntimeEngine ");
        // Plain-Java classes may load: DJL's ServiceLoader reads TrtEngineProvider (a name and a rank), and
        // ONNX Runtime's SessionOptions pulls in its provider-option classes. What loads native GPU code
        // (DJL's TensorRT engine and JNI) and kembed's GPU engines must not.
        List<String> gpuClasses = loaded.lines().filter(l -> l.contains("ai.djl.tensorrt.engine.TrtEngine ") || l.contains("ai.djl.tensorrt.jni.")
                || l.contains("dev.kembed.engine.tensorrt.TensorRtEngine") || l.contains("dev.kembed.engine.onnxruntime.OnnxRuntimeGpuEngine"))
                .map(l -> l.replaceAll(" source:.*", "")).toList();
        assertThat(gpuClasses).as("GPU engine classes loaded in a CPU run").isEmpty();
        try (Stream<Path> files = Files.exists(djlCache) ? Files.walk(djlCache) : Stream.empty()) {
            assertThat(files.map(Path::toString)).noneMatch(f -> f.contains("djl_trt") || f.contains("tensorrt"));
        }
    }
}
