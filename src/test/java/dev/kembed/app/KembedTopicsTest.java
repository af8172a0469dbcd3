package dev.kembed.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kembed.stream.ChunkOutput;
import dev.kembed.stream.InputFormat;
import dev.kembed.stream.PipelineSettings;
import dev.kembed.text.ChunkContext;
import dev.kembed.text.Chunker;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Start-up's topic checks, on described facts: every problem at once, each naming topic, numbers and what to change. */
class KembedTopicsTest {
    @Test
    void tooSmallTopicsANonCompactedChunksTopicAndUnequalPartitionsAreAllReported() {
        PipelineSettings s = new PipelineSettings("docs", "out", "docs-dlq", new ChunkOutput("chunks", new Chunker(256), ChunkContext.WINDOW, true),
                InputFormat.JSON, 1000, dev.kembed.serde.RegistrySettings.of("mock://t"), 20, true, 0);
        Map<String, Long> need = new LinkedHashMap<>(Map.of("out", 80_000L, "chunks", 300_000L, "docs-dlq", 291_000L));
        Map<String, String> why = Map.of("out", "a document record", "chunks", "a chunk record", "docs-dlq", "a dead letter with "
                + "kembed.dlq.max.value.bytes=262144; or lower it");
        Map<String, TopicAdmin.Facts> facts = Map.of("docs", new TopicAdmin.Facts(2, 4 << 20, "delete"), "out", new TopicAdmin.Facts(4, 1_048_588, "delete"),
                "chunks", new TopicAdmin.Facts(8, 1_048_588, "delete"), "docs-dlq", new TopicAdmin.Facts(4, 100_000, "delete"));
        List<String> errors = KembedTopics.check(s, need, why, facts);
        errors.forEach(System.out::println);
        assertThat(errors).hasSize(3);
        assertThat(errors.get(0)).contains("docs-dlq", "100000", "291000", "kembed.dlq.max.value.bytes", "max.message.bytes=291000");
        assertThat(errors).anySatisfy(e -> assertThat(e).contains("chunks", "kembed.chunks.topic", "cleanup.policy=delete", "cleanup.policy=compact"));
        assertThat(errors).anySatisfy(e -> assertThat(e).contains("8 partitions", "output topic out", "has 4"));
    }
}
