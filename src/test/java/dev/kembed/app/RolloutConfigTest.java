package dev.kembed.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code kembed.rollout.*}: the rollout's configuration is the main one overlaid, validated by the same rules, its errors named by the rollout keys. */
class RolloutConfigTest {
    static final String DIR = KembedConfigTest.MODEL.toString();

    @Test
    void withoutRolloutKeysThereIsNoRollout() {
        assertThat(KembedConfig.from(KembedConfigTest.props(), Map.of()).rollout()).isNull();
    }

    @Test
    void theRolloutOverlaysItsKeysAndInheritsNoTopic() {
        KembedConfig c = KembedConfig.from(KembedConfigTest.props("kembed.chunks.topic", "chunks", "kembed.prompt", "query: ",
                "kembed.rollout.model.dir", DIR, "kembed.rollout.output.topic", "next", "kembed.rollout.pooling", "cls",
                "kembed.rollout.chunk.context", "chunk", "num.stream.threads", "2"), Map.of());
        KembedConfig r = c.rollout();
        assertThat(r.outputTopic()).isEqualTo("next");
        assertThat(r.inputTopic()).isEqualTo(c.inputTopic());
        assertThat(r.chunkOutput()).as("the main chunks topic is not the rollout's").isNull();
        assertThat(r.embeddingSettings().pooling().name()).isEqualTo("CLS");
        assertThat(r.embeddingSettings().prompt()).as("inherited").isEqualTo(c.embeddingSettings().prompt());
        assertThat(r.kafka()).containsEntry("num.stream.threads", "2");
        assertThat(r.httpPort()).isZero();
        assertThat(r.metricsPort()).isZero();
    }

    @Test
    void aRolloutNeedsItsModelAndItsOwnTopics() {
        assertThatThrownBy(() -> KembedConfig.from(KembedConfigTest.props("kembed.rollout.output.topic", "next"), Map.of()))
                .hasMessageContaining("kembed.rollout.model.dir is required");
        assertThatThrownBy(() -> KembedConfig.from(KembedConfigTest.props("kembed.rollout.model.dir", DIR), Map.of()))
                .hasMessageContaining("kembed.rollout.output.topic is required");
        assertThatThrownBy(() -> KembedConfig.from(KembedConfigTest.props("kembed.rollout.pooling", "cls"), Map.of()))
                .hasMessageContaining("kembed.rollout.pooling is set but no rollout is");
        assertThatThrownBy(() -> KembedConfig.from(KembedConfigTest.props("kembed.rollout.model.dir", DIR, "kembed.rollout.output.topic",
                "embeddings"), Map.of())).hasMessageContaining("kembed.rollout.output.topic=embeddings must differ");
        assertThatThrownBy(() -> KembedConfig.from(KembedConfigTest.props("kembed.chunks.topic", "c", "kembed.rollout.model.dir", DIR,
                "kembed.rollout.output.topic", "next", "kembed.rollout.chunks.topic", "c"), Map.of()))
                .hasMessageContaining("kembed.rollout.chunks.topic=c must differ");
    }

    @Test
    void theRolloutsErrorsNameTheRolloutKeysAllAtOnce() {
        assertThatThrownBy(() -> KembedConfig.from(KembedConfigTest.props("kembed.rollout.model.dir", "/no/such/model",
                "kembed.rollout.output.topic", "next", "kembed.rollout.pooling", "max", "kembed.rollout.window.overlap", "-3"), Map.of()))
                .hasMessageContaining("kembed.rollout.model.dir").hasMessageContaining("/no/such/model")
                .hasMessageContaining("kembed.rollout.pooling").hasMessageContaining("kembed.rollout.window.overlap")
                .hasMessageNotContaining("kembed.pooling ");
    }
}
