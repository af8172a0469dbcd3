package dev.kembed.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kembed.stream.PipelineSettings;
import dev.kembed.text.Pooling;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class KembedConfigTest {
    static Properties props(String... kv) {
        Properties p = new Properties();
        for (int i = 0; i < kv.length; i += 2) {
            p.put(kv[i], kv[i + 1]);
        }
        return p;
    }

    @Test
    void defaultsAndPassThrough() {
        KembedConfig c = KembedConfig.from(props("kembed.model.dir", "m", "num.stream.threads", "3"), Map.of());
        assertThat(c.kafka()).containsEntry("num.stream.threads", "3").doesNotContainKey("kembed.model.dir");
        assertThat(c.dlqTopic()).isEqualTo("documents-dlq");
        PipelineSettings s = c.pipelineSettings(512);
        assertThat(s.batch().maxTokens()).isEqualTo(16384);
        assertThat(s.batch().bucketTokens()).isEqualTo(512);
        assertThat(s.embedding().pooling()).isEqualTo(Pooling.MEAN);
        assertThat(KembedApp.streamsProps(c.kafka(), java.nio.file.Path.of("d")))
                .containsEntry("processing.guarantee", "exactly_once_v2").containsEntry("num.stream.threads", "3");
    }

    @Test
    void environmentOverridesTheFile() {
        KembedConfig c = KembedConfig.from(props("kembed.batch.max.tokens", "100"),
                Map.of("KEMBED_BATCH_MAX_TOKENS", "8192", "KEMBED_KAFKA_BOOTSTRAP_SERVERS", "broker:9092", "HOME", "/root"));
        assertThat(c.integer("kembed.batch.max.tokens")).isEqualTo(8192);
        assertThat(c.kafka()).containsEntry("bootstrap.servers", "broker:9092").doesNotContainKey("home");
    }

    @Test
    void errorsNameTheKeyAndTheAllowedValues() {
        assertThatThrownBy(() -> KembedConfig.from(props("kembed.pooling", "max"), Map.of()))
                .hasMessageContaining("kembed.pooling=max is not allowed; allowed: mean, cls");
        assertThatThrownBy(() -> KembedConfig.from(props("kembed.batch.max.tokens", "lots"), Map.of()))
                .hasMessageContaining("kembed.batch.max.tokens=lots is not a whole number");
        assertThatThrownBy(() -> KembedConfig.from(props("kembed.batch.max.windows", "0"), Map.of()))
                .hasMessageContaining("kembed.batch.max.windows=0 is out of range; allowed: 1 to 100000");
        assertThatThrownBy(() -> KembedConfig.from(props("kembed.batch.maxtokens", "5"), Map.of()))
                .hasMessageContaining("kembed.batch.maxtokens is not a kembed setting");
        assertThatThrownBy(() -> KembedConfig.from(props("kembed.input.format", "xml", "kembed.normalize", "yes"), Map.of()))
                .hasMessageContaining("kembed.input.format=xml is not allowed; allowed: avro, json, text")
                .hasMessageContaining("kembed.normalize=yes is not allowed; allowed: true, false");
    }

    @Test
    void crossFieldRules() {
        assertThatThrownBy(() -> KembedConfig.from(props("kembed.queue.max.block.ms", "200000"), Map.of()))
                .hasMessageContaining("kembed.queue.max.block.ms=200000 must be at most half of max.poll.interval.ms (300000)");
        assertThatThrownBy(() -> KembedConfig.from(props("kembed.output.topic", "documents"), Map.of()))
                .hasMessageContaining("kembed.output.topic must differ from kembed.input.topic");
        assertThatThrownBy(() -> KembedConfig.from(props("kembed.input.format", "avro"), Map.of()))
                .hasMessageContaining("kembed.input.format=avro needs the registry your producers use");
        assertThat(KembedConfig.from(props("kembed.input.format", "avro", "kembed.schema.registry.url", "http://registry:8081"), Map.of())
                .str("kembed.input.format")).isEqualTo("avro");
        KembedConfig c = KembedConfig.from(props("kembed.batch.max.tokens", "1000"), Map.of());
        assertThatThrownBy(() -> c.checkAgainstModel(4096, 512))
                .hasMessageContaining("kembed.batch.max.tokens=1000 cannot hold one full window (4096 padded tokens)");
        KembedConfig d = KembedConfig.from(props("kembed.window.max.tokens", "8192"), Map.of());
        assertThatThrownBy(() -> d.checkAgainstModel(4096, 512)).hasMessageContaining("exceeds the model's 4096 positions");
    }

    @Test
    void modelDirIsRequired() {
        KembedConfig c = KembedConfig.from(new Properties(), Map.of());
        assertThatThrownBy(c::modelDir).hasMessageContaining("kembed.model.dir is required");
    }

    @Test
    void helpListsEveryKey() {
        String help = KembedConfig.help();
        KembedConfig.KEYS.forEach(k -> assertThat(help).contains(k.name()));
    }
}
