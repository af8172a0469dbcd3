package dev.kembed.engine.gpu;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The GPU probe reads a (fake) filesystem the way the dynamic linker would, without loading anything. */
class GpuHostTest {
    private static final List<String> TRT = List.of("libnvinfer.so.8", "libnvonnxparser.so.8", "libnvparsers.so.8", "libcuda.so.1");

    @TempDir
    Path root;

    @Test
    void aBareHostNamesTheDeviceAndEveryMissingLibrary() {
        String why = new GpuHost(root, Map.of()).unavailable(TRT, "use the CPU");
        assertThat(why).contains("no NVIDIA GPU").contains("dev/nvidiactl")
                .contains("missing libnvinfer.so.8, libnvonnxparser.so.8, libnvparsers.so.8, libcuda.so.1").endsWith("; use the CPU");
    }

    @Test
    void librariesAreFoundInStandardDirsLdConfIncludesAndTheEnvironment() throws Exception {
        Files.createDirectories(root.resolve("dev"));
        Files.createFile(root.resolve("dev/nvidiactl"));
        touch(root.resolve("usr/lib/x86_64-linux-gnu/libcuda.so.1"));
        touch(root.resolve("opt/tensorrt/lib/libnvinfer.so.8"));
        touch(root.resolve("opt/tensorrt/lib/libnvparsers.so.8"));
        touch(root.resolve("extra/libnvonnxparser.so.8"));
        GpuHost withoutConf = new GpuHost(root, Map.of());
        assertThat(withoutConf.missing(TRT)).containsExactly("libnvinfer.so.8", "libnvonnxparser.so.8", "libnvparsers.so.8");

        Files.createDirectories(root.resolve("etc/ld.so.conf.d"));
        Files.writeString(root.resolve("etc/ld.so.conf"), "# comment\ninclude /etc/ld.so.conf.d/*.conf\n");
        Files.writeString(root.resolve("etc/ld.so.conf.d/tensorrt.conf"), "/opt/tensorrt/lib\n");
        GpuHost withConf = new GpuHost(root, Map.of());
        assertThat(withConf.missing(TRT)).containsExactly("libnvonnxparser.so.8");

        GpuHost withEnv = new GpuHost(root, Map.of("LD_LIBRARY_PATH", "/nowhere:/extra"));
        assertThat(withEnv.missing(TRT)).isEmpty();
        assertThat(withEnv.hasNvidiaDevice()).isTrue();
        assertThat(withEnv.unavailable(TRT, "remedy")).isNull();
        assertThat(new GpuHost(root, Map.of("TENSORRT_EXTRA_LIBRARY_PATH", "/extra")).missing(TRT)).isEmpty();
    }

    private static void touch(Path file) throws Exception {
        Files.createDirectories(file.getParent());
        Files.createFile(file);
    }
}
