package dev.kembed.engine.djl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GraphCacheTest {
    @TempDir
    Path dir;

    final AtomicInteger writes = new AtomicInteger();

    GraphCache.GraphWriter graph() {
        return out -> {
            writes.incrementAndGet();
            Files.writeString(out, "a complete graph ".repeat(1000), StandardCharsets.UTF_8);
        };
    }

    @Test
    void aValidCachedGraphIsReusedAndATruncatedOneIsRebuiltNotLoaded() throws IOException {
        Path file = GraphCache.ensure(dir, "bucket-8x512.onnx", graph());
        assertThat(writes.get()).isEqualTo(1);
        long size = Files.size(file);
        assertThat(GraphCache.ensure(dir, "bucket-8x512.onnx", graph())).isEqualTo(file);
        assertThat(writes.get()).as("reused").isEqualTo(1);

        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(size / 2); // what a crash mid-write used to leave
        }
        assertThat(GraphCache.ensure(dir, "bucket-8x512.onnx", graph())).isEqualTo(file);
        assertThat(writes.get()).as("rebuilt").isEqualTo(2);
        assertThat(Files.size(file)).isEqualTo(size);
        try (var left = Files.list(dir)) {
            assertThat(left.map(p -> p.getFileName().toString())).as("no temporary files left")
                    .containsExactlyInAnyOrder("bucket-8x512.onnx", "bucket-8x512.onnx.sha256");
        }
    }

    @Test
    void aGraphWithoutItsRecordIsRebuilt() throws IOException {
        Files.writeString(dir.resolve("old.onnx"), "a graph from before the record, maybe cut short");
        GraphCache.ensure(dir, "old.onnx", graph());
        assertThat(writes.get()).isEqualTo(1);
        assertThat(Files.readString(dir.resolve("old.onnx"))).startsWith("a complete graph");
    }

    @Test
    void aWriterThatFailsLeavesNothingBehind() {
        GraphCache.GraphWriter broken = out -> {
            Files.writeString(out, "half a gra");
            throw new IOException("disk full");
        };
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> GraphCache.ensure(dir, "g.onnx", broken)).hasMessage("disk full");
        assertThat(dir.resolve("g.onnx")).doesNotExist();
        assertThat(dir.toFile().list()).isEmpty();
    }
}
