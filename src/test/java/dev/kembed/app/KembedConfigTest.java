package dev.kembed.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kembed.app.config.ConfigDocs;
import dev.kembed.engine.EngineSpec;
import dev.kembed.engine.gpu.GpuSettings;
import dev.kembed.engine.Precision;
import dev.kembed.stream.PipelineSettings;
import dev.kembed.text.Pooling;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.config.ConfigDef;
import org.junit.jupiter.api.Test;

class KembedConfigTest {
    /** A directory that passes the start-up check of kembed.model.dir (it holds a config.json). */
    static final Path MODEL = checkpointDir();

    static Path checkpointDir() {
        try {
            Path dir = Files.createTempDirectory("kembed-config-test");
            Files.writeString(dir.resolve("config.json"), "{}");
            dir.toFile().deleteOnExit();
            dir.resolve("config.json").toFile().deleteOnExit();
            return dir;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Properties with a valid kembed.model.dir unless {@code kv} sets one. */
    static Properties props(String... kv) {
        Properties p = new Properties();
        p.put("kembed.model.dir", MODEL.toString());
        for (int i = 0; i < kv.length; i += 2) {
            p.put(kv[i], kv[i + 1]);
        }
        return p;
    }

    @Test
    void defaultsAndPassThrough() {
        KembedConfig c = KembedConfig.from(props("num.stream.threads", "3"), Map.of());
        assertThat(c.kafka()).containsEntry("num.stream.threads", "3").doesNotContainKey("kembed.model.dir");
        assertThat(c.dlqTopic()).isEqualTo("documents-dlq");
        PipelineSettings s = c.pipelineSettings();
        assertThat(s.inputTopic()).isEqualTo("documents");
        assertThat(c.workerSettings().batchMaxTokens()).as("0 = as the engine batches best").isZero();
        assertThat(c.workerSettings().scheduling()).isEqualTo(dev.kembed.engine.queue.SchedulingPolicy.SHORTEST_FIRST);
        assertThat(c.workerSettings().queueMaxDelayMs()).isEqualTo(30_000);
        assertThat(KembedConfig.from(props("kembed.queue.policy", "FIFO"), Map.of()).workerSettings().scheduling())
                .isEqualTo(dev.kembed.engine.queue.SchedulingPolicy.FIFO);
        assertThat(c.workerSettings().bucketTokens()).isZero();
        assertThat(c.embeddingSettings().pooling()).isEqualTo(Pooling.MEAN);
        assertThat(c.engineSpec(Path.of("data")).name()).isEqualTo("auto");
        assertThat(c.engineSpec(Path.of("data")).precision()).isEqualTo(Precision.FP32);
        assertThat(c.engineSpec(Path.of("data")).gpu()).isEqualTo(new GpuSettings(List.of(), 8, 1, Path.of("data", "engines"), false, 0));
        assertThat(KembedApp.streamsProps(c.kafka(), Path.of("d")))
                .containsEntry("processing.guarantee", "exactly_once_v2").containsEntry("num.stream.threads", "3");
    }

    @Test
    void gpuEngineSettingsAreTypedAndChecked() {
        KembedConfig c = KembedConfig.from(props("kembed.engine", "tensorrt", "kembed.precision", "fp16",
                "kembed.engine.buckets", "1024, 4096", "kembed.engine.batch", "16", "kembed.engine.onnxruntime.tensorrt", "true"), Map.of());
        EngineSpec spec = c.engineSpec(Path.of("d"));
        assertThat(spec.name()).isEqualTo("tensorrt");
        assertThat(spec.precision()).isEqualTo(Precision.FP16);
        assertThat(spec.gpu().lengths()).containsExactly(1024, 4096);
        assertThat(spec.gpu().batch()).isEqualTo(16);
        assertThat(spec.gpu().ortTensorRt()).isTrue();
        assertThat(spec.gpu().lengthsFor(4096, 512)).containsExactly(1024, 4096);
        assertThat(spec.gpu().lengthsFor(2000, 128)).as("capped at the model's limit, which is always a bucket").containsExactly(1024, 2000);
        assertThat(GpuSettings.defaults().lengthsFor(4096, 512)).containsExactly(512, 1024, 2048, 4096);
        assertThat(GpuSettings.defaults().lengthsFor(8192, 512)).containsExactly(512, 1024, 2048, 4096, 8192);
        assertThatThrownBy(() -> KembedConfig.from(props("kembed.engine.buckets", "512,big"), Map.of()))
                .as("at start-up, not when the engine is built").hasMessageContaining("kembed.engine.buckets").hasMessageContaining("'big' is not a length")
                .hasMessageContaining("allowed: a list of positive integers");
        assertThatThrownBy(() -> KembedConfig.from(props("kembed.engine.batch", "0"), Map.of()))
                .hasMessageContaining("kembed.engine.batch");
    }

    @Test
    void environmentOverridesTheFile() {
        KembedConfig c = KembedConfig.from(props("kembed.batch.max.tokens", "100"),
                Map.of("KEMBED_BATCH_MAX_TOKENS", "8192", "KEMBED_KAFKA_BOOTSTRAP_SERVERS", "broker:9092", "HOME", "/root"));
        assertThat(c.workerSettings().batchMaxTokens()).isEqualTo(8192);
        assertThat(c.kafka()).containsEntry("bootstrap.servers", "broker:9092").doesNotContainKey("home");
    }

    @Test
    void kubernetesServiceLinkVariablesAreIgnoredNotFatal() {
        KembedConfig c = KembedConfig.from(props(), Map.of("KEMBED_SERVICE_HOST", "10.0.0.1",
                "KEMBED_SERVICE_PORT", "9400", "KEMBED_PORT", "tcp://10.0.0.1:9400", "KEMBED_PORT_9400_TCP", "tcp://10.0.0.1:9400",
                "KEMBED_HOME", "/opt/kembed", "KEMBED_POOLING", "cls"));
        assertThat(c.embeddingSettings().pooling()).isEqualTo(Pooling.CLS);
        assertThat(c.kafka()).isEmpty();
        // the properties file stays strict
        assertThatThrownBy(() -> KembedConfig.from(props("kembed.service.host", "x"), Map.of()))
                .hasMessageContaining("kembed.service.host is not a kembed setting");
    }

    @Test
    void errorsNameTheKeyAndTheAllowedValuesAllAtOnce() {
        assertThatThrownBy(() -> KembedConfig.from(props("kembed.pooling", "max"), Map.of()))
                .hasMessageContaining("Invalid value max for configuration kembed.pooling").hasMessageContaining("mean, cls");
        assertThatThrownBy(() -> KembedConfig.from(props("kembed.batch.max.tokens", "lots"), Map.of()))
                .hasMessageContaining("Invalid value lots for configuration kembed.batch.max.tokens");
        assertThatThrownBy(() -> KembedConfig.from(props("kembed.batch.max.windows", "0"), Map.of()))
                .hasMessageContaining("kembed.batch.max.windows").hasMessageContaining("[1,...,100000]");
        assertThatThrownBy(() -> KembedConfig.from(props("kembed.batch.maxtokens", "5"), Map.of()))
                .hasMessageContaining("kembed.batch.maxtokens is not a kembed setting");
        assertThatThrownBy(() -> KembedConfig.from(props("kembed.input.format", "xml", "kembed.normalize", "yes"), Map.of()))
                .hasMessageContaining("kembed.input.format").hasMessageContaining("json, avro, text")
                .hasMessageContaining("kembed.normalize").hasMessageContaining("true, false");
        assertThatThrownBy(() -> KembedConfig.from(props("kembed.engine", "cuda-magic"), Map.of()))
                .hasMessageContaining("kembed.engine=cuda-magic is not an engine; allowed: auto").hasMessageContaining("onnxruntime-cpu");
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
                .inputFormat()).isEqualTo(dev.kembed.stream.InputFormat.AVRO);
    }

    @Test
    void modelDirIsCheckedAtStartUp() {
        assertThatThrownBy(() -> KembedConfig.from(new Properties(), Map.of())).hasMessageContaining("kembed.model.dir is required");
        assertThatThrownBy(() -> KembedConfig.from(props("kembed.model.dir", "/no/such/dir"), Map.of()))
                .hasMessageContaining("kembed.model.dir=/no/such/dir is not a directory (it does not exist)");
        assertThatThrownBy(() -> KembedConfig.from(props("kembed.model.dir", MODEL.getParent().toString()), Map.of()))
                .hasMessageContaining("has no config.json");
    }

    /** Type errors, bucket lists, the model directory and cross-field rules: one start-up, one report. */
    @Test
    void everyErrorIsReportedAtOnce() {
        assertThatThrownBy(() -> KembedConfig.from(props("kembed.model.dir", "/no/such/dir", "kembed.engine.buckets", "512,-4",
                "kembed.pooling", "max", "kembed.output.topic", "documents", "kembed.schema.registry.url", "ftp://r",
                "kembed.queue.max.block.ms", "200000"), Map.of()))
                .hasMessageContaining("kembed.engine.buckets").hasMessageContaining("'-4' is not a length")
                .hasMessageContaining("kembed.pooling")
                .hasMessageContaining("kembed.model.dir=/no/such/dir is not a directory")
                .hasMessageContaining("kembed.output.topic must differ from kembed.input.topic")
                .hasMessageContaining("kembed.schema.registry.url: 'ftp://r' must start with http://, https:// or mock://")
                .hasMessageContaining("kembed.queue.max.block.ms=200000 must be at most half");
        assertThatThrownBy(() -> KembedConfig.from(props("kembed.queue.policy", "lifo", "kembed.queue.max.delay.ms", "10"), Map.of()))
                .hasMessageContaining("kembed.queue.policy").hasMessageContaining("shortest-first, fifo")
                .hasMessageContaining("kembed.queue.max.delay.ms=10 must be at least kembed.batch.max.wait.ms (50)");
    }

    /** Every key of the definition appears in --help with its default and documentation. */
    @Test
    void helpIsGeneratedFromTheDefinition() {
        String help = KembedConfig.help();
        for (ConfigDef.ConfigKey k : KembedConfig.DEF.configKeys().values()) {
            assertThat(help).contains("  " + k.name + " = ").contains(k.documentation);
        }
        assertThat(KembedConfig.DEF.names()).hasSize(91);
    }

    @Test
    void theQueryApiIsOffByDefaultAndItsLimitsAreCheckedAtStartUp() {
        KembedConfig defaults = KembedConfig.from(props(), Map.of());
        assertThat(defaults.httpPort()).isZero();
        dev.kembed.http.HttpSettings d = defaults.httpSettings();
        assertThat(d.apiKey()).isNull();
        assertThat(d.maxBodyBytes()).isEqualTo(2 * 1024 * 1024);
        assertThat(d.maxInputs()).isEqualTo(32);
        assertThat(d.maxConcurrent()).isEqualTo(64);
        assertThat(d.maxInputChars()).as("the documents' own limit").isEqualTo(5_000_000);
        KembedConfig set = KembedConfig.from(props("kembed.http.port", "8080", "kembed.http.max.inputs", "4"),
                Map.of("KEMBED_HTTP_API_KEY", "k3y-from-env"));
        assertThat(set.httpPort()).isEqualTo(8080);
        assertThat(set.httpSettings().maxInputs()).isEqualTo(4);
        assertThat(set.httpSettings().apiKey()).isEqualTo("k3y-from-env");
        assertThat(set.httpSettings().toString()).doesNotContain("k3y-from-env").contains("apiKey=set");
        assertThatThrownBy(() -> KembedConfig.from(props("kembed.http.port", "70000", "kembed.http.max.inputs", "0",
                "kembed.http.max.concurrent.requests", "many"), Map.of()))
                .hasMessageContaining("kembed.http.port").hasMessageContaining("kembed.http.max.inputs")
                .hasMessageContaining("kembed.http.max.concurrent.requests");
    }

    /** Issue 27: a blank key never silently means "no key"; /metrics behind the key needs one; the bind address is one of this machine's. */
    @Test
    void aBlankKeyAnUnkeyedMetricsAuthAndAForeignHostAreRefusedAtStartUpAllAtOnce() {
        KembedConfig defaults = KembedConfig.from(props(), Map.of());
        assertThat(defaults.httpHost()).as("every interface").isNull();
        assertThat(defaults.metricsKey()).as("/metrics open").isNull();
        assertThat(defaults.httpSettings().bodyTimeout()).isEqualTo(java.time.Duration.ofSeconds(10));
        assertThat(defaults.httpSettings().minBodyRate()).isEqualTo(16384);
        for (Map<String, String> env : List.of(Map.of("KEMBED_HTTP_API_KEY", ""), Map.of("KEMBED_HTTP_API_KEY", "  \t "))) {
            assertThatThrownBy(() -> KembedConfig.from(props(), env)).hasMessageContaining("kembed.http.api.key is blank")
                    .hasMessageContaining("leave kembed.http.api.key unset");
        }
        assertThatThrownBy(() -> KembedConfig.from(props("kembed.http.api.key", "   "), Map.of())).hasMessageContaining("kembed.http.api.key is blank");
        assertThatThrownBy(() -> new dev.kembed.http.HttpSettings(" ", 1024, 1, 1, 1, java.time.Duration.ofSeconds(1)))
                .as("the typed settings refuse it too").hasMessageContaining("blank");
        assertThatThrownBy(() -> KembedConfig.from(props("kembed.http.metrics.auth", "true", "kembed.http.host", "no-such-host.invalid",
                "kembed.http.body.timeout.ms", "0", "kembed.http.body.min.bytes.per.second", "-1"), Map.of()))
                .hasMessageContaining("kembed.http.metrics.auth=true needs kembed.http.api.key")
                .hasMessageContaining("kembed.http.host=no-such-host.invalid: unknown host")
                .hasMessageContaining("kembed.http.body.timeout.ms").hasMessageContaining("kembed.http.body.min.bytes.per.second");
        assertThatThrownBy(() -> KembedConfig.from(props("kembed.http.host", "192.0.2.1"), Map.of())).as("TEST-NET-1: never this machine's")
                .hasMessageContaining("kembed.http.host=192.0.2.1: resolves to 192.0.2.1, not an address of this machine");
        assertThatThrownBy(() -> KembedConfig.from(props("kembed.http.host", " "), Map.of())).hasMessageContaining("kembed.http.host")
                .hasMessageContaining("empty");
        KembedConfig set = KembedConfig.from(props("kembed.http.host", "127.0.0.1", "kembed.http.metrics.auth", "true"),
                Map.of("KEMBED_HTTP_API_KEY", "k3y"));
        assertThat(set.httpHost()).isEqualTo("127.0.0.1");
        assertThat(set.metricsKey()).isEqualTo("k3y");
        assertThat(KembedConfig.from(props("kembed.http.host", "::"), Map.of()).httpHost()).isEqualTo("::");
        assertThat(KembedConfig.from(props("kembed.http.host", "localhost"), Map.of()).httpHost()).isEqualTo("localhost");
    }

    /** The README's configuration table is the generated one; edit the ConfigDef, then paste the table this prints. */
    @Test
    void readmeTableEqualsTheDefinition() throws Exception {
        String readme = Files.readString(Path.of("README.md"), StandardCharsets.UTF_8);
        String begin = "<!-- config-table:begin (generated from KembedConfig.DEF; KembedConfigTest keeps it equal) -->\n";
        String end = "<!-- config-table:end -->";
        assertThat(readme).contains(begin).contains(end);
        String table = readme.substring(readme.indexOf(begin) + begin.length(), readme.indexOf(end));
        assertThat(table).as("README configuration table; the generated one is:%n%s", ConfigDocs.markdownTable(KembedConfig.DEF))
                .isEqualTo(ConfigDocs.markdownTable(KembedConfig.DEF));
    }

    @Test
    void theChunksTopicIsOffByDefaultAndCutsChunksOf256TokensInTheirWindows() {
        assertThat(KembedConfig.from(props(), Map.of()).chunkOutput()).isNull();
        KembedConfig c = KembedConfig.from(props("kembed.chunks.topic", "chunks"), Map.of());
        dev.kembed.stream.ChunkOutput out = c.chunkOutput();
        assertThat(out.topic()).isEqualTo("chunks");
        assertThat(out.chunker().maxTokens()).isEqualTo(256);
        assertThat(out.context()).isEqualTo(dev.kembed.text.ChunkContext.WINDOW);
        assertThat(out.withText()).isTrue();
        assertThat(c.pipelineSettings().chunks()).isEqualTo(out);
        // late chunking: the graph gets the slots a 4096-token window of 256-token chunks can touch (cuts look back at most half)
        assertThat(c.engineSpec(Path.of("d"), 4096).chunkSlots()).isEqualTo(dev.kembed.text.LateChunks.slotsPerWindow(4094, 256)).isEqualTo(33);
        KembedConfig alone = KembedConfig.from(props("kembed.chunks.topic", "chunks", "kembed.chunk.context", "chunk",
                "kembed.pooling", "cls", "kembed.chunk.text", "false"), Map.of());
        assertThat(alone.chunkOutput().context()).isEqualTo(dev.kembed.text.ChunkContext.CHUNK);
        assertThat(alone.chunkOutput().withText()).isFalse();
        assertThat(alone.engineSpec(Path.of("d"), 4096).chunkSlots()).as("chunks run alone need no slots").isZero();
    }

    /** What kembed.windows.topic meant, set as its replacement: one chunk record per window. */
    @Test
    void aChunkPerWindowIsTheChunksTopicWithNoChunkSize() {
        KembedConfig c = KembedConfig.from(props("kembed.chunks.topic", "windows", "kembed.chunk.max.tokens", "0"), Map.of());
        assertThat(c.chunkOutput().topic()).isEqualTo("windows");
        assertThat(c.chunkOutput().chunker()).isSameAs(dev.kembed.text.Chunker.PER_WINDOW);
        assertThat(c.engineSpec(Path.of("d"), 4096).chunkSlots()).isEqualTo(1);
    }

    /** The removed windows topic alias (its subject made registries enforcing compatibility answer 409): refused, naming its replacement. */
    @Test
    void theRemovedWindowsTopicFailsStartUpNamingItsReplacementFromTheFileOrTheEnvironment() {
        String removed = "kembed.windows.topic was removed in this release: set kembed.chunks.topic with kembed.chunk.max.tokens=0 (one chunk "
                + "record per window, key <id>#<index>, schema chunk_embedding.avsc under the chunks topic's own subject)";
        assertThatThrownBy(() -> KembedConfig.from(props("kembed.windows.topic", "windows"), Map.of())).hasMessageContaining(removed)
                .hasMessageNotContaining("is not a kembed setting");
        assertThatThrownBy(() -> KembedConfig.from(props(), Map.of("KEMBED_WINDOWS_TOPIC", "windows"))).as("not ignored as an unknown variable")
                .hasMessageContaining(removed);
        assertThatThrownBy(() -> KembedConfig.from(props("kembed.windows.topic", "windows", "kembed.chunks.topic", "chunks",
                "kembed.pooling", "max"), Map.of())).as("with every other error, at once")
                .hasMessageContaining(removed).hasMessageContaining("kembed.pooling");
    }

    @Test
    void chunkSettingErrorsAreReportedTogetherNamingTheirKeys() {
        assertThatThrownBy(() -> KembedConfig.from(props("kembed.chunks.topic", "embeddings", "kembed.pooling", "cls",
                "kembed.chunk.max.tokens", "-1"), Map.of()))
                .hasMessageContaining("kembed.chunks.topic=embeddings must differ from the input, output and dead-letter topics")
                .hasMessageContaining("kembed.chunk.max.tokens");
        assertThatThrownBy(() -> KembedConfig.from(props("kembed.chunks.topic", "chunks", "kembed.pooling", "cls", "kembed.chunk.context",
                "sentence"), Map.of())).hasMessageContaining("kembed.chunk.context").hasMessageContaining("allowed: window, chunk");
        assertThatThrownBy(() -> KembedConfig.from(props("kembed.chunks.topic", "chunks", "kembed.pooling", "cls"), Map.of()))
                .hasMessageContaining("kembed.chunk.context=window pools each chunk's own tokens (mean)")
                .hasMessageContaining("kembed.pooling=mean, or kembed.chunk.context=chunk");
    }
}
