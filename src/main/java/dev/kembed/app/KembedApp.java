package dev.kembed.app;

import dev.kembed.engine.EngineWindow;
import dev.kembed.engine.WindowBatch;
import dev.kembed.stream.EmbeddingPipeline;
import dev.kembed.stream.PipelineSettings;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running streaming job: (embedded broker) → model loaded, health-checked and warmed up →
 * topics → Kafka Streams with exactly-once v2. Owns and closes everything it starts, in reverse.
 */
public final class KembedApp implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KembedApp.class);

    private final EmbeddedKafkaBroker broker;
    private final KembedModel model;
    private final EmbeddingPipeline pipeline;
    private final KafkaStreams streams;
    private final MetricsServer metricsServer;
    private final String bootstrap;
    private final CountDownLatch stopped;

    private KembedApp(EmbeddedKafkaBroker broker, KembedModel model, EmbeddingPipeline pipeline, KafkaStreams streams,
            MetricsServer metricsServer, String bootstrap, CountDownLatch stopped) {
        this.stopped = stopped;
        this.broker = broker;
        this.model = model;
        this.pipeline = pipeline;
        this.streams = streams;
        this.metricsServer = metricsServer;
        this.bootstrap = bootstrap;
    }

    public static KembedApp start(KembedConfig cfg, Path dataDir) {
        Properties kafka = cfg.kafka();
        EmbeddedKafkaBroker broker = null;
        KembedModel model = null;
        EmbeddingPipeline pipeline = null;
        try {
            boolean globalCls = cfg.embeddingSettings().globalCls();
            model = KembedModel.open(cfg.modelDir(), cfg.integer("kembed.model.threads"), cfg.integer("kembed.engine.threads"), globalCls);
            cfg.checkAgainstModel(model.config().maxTokens(), model.config().padMultiple());
            warmUp(model);
            if (!kafka.containsKey(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG)) {
                LOG.info("no bootstrap.servers: starting an embedded single-node KRaft broker in {}", dataDir);
                broker = EmbeddedKafkaBroker.start(dataDir);
                kafka.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
            }
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            PipelineSettings settings = cfg.pipelineSettings(model.config().padMultiple());
            pipeline = new EmbeddingPipeline(settings, model.tokenizer(), model.engine(), model.config().vocabSize(), registry);
            List<String> topics = new ArrayList<>(List.of(settings.inputTopic(), settings.outputTopic(), settings.dlqTopic()));
            if (settings.windowsTopic() != null) {
                topics.add(settings.windowsTopic());
            }
            TopicAdmin.ensure(clientProps(kafka), topics, cfg.bool("kembed.topics.create"), cfg.integer("kembed.topics.partitions"),
                    (short) cfg.integer("kembed.topics.replication"));
            Properties sp = streamsProps(kafka, dataDir);
            KafkaStreams streams = new KafkaStreams(pipeline.topology(), sp);
            CountDownLatch stopped = new CountDownLatch(1);
            streams.setStateListener((now, before) -> {
                if (now == KafkaStreams.State.ERROR || now == KafkaStreams.State.NOT_RUNNING || now == KafkaStreams.State.PENDING_ERROR) {
                    stopped.countDown();
                }
            });
            streams.setUncaughtExceptionHandler(e -> {
                LOG.error("stream thread failed; replacing it", e);
                return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
            });
            streams.start();
            int port = cfg.integer("kembed.metrics.port");
            MetricsServer ms = port > 0 ? new MetricsServer(port, registry, () -> streams.state().isRunningOrRebalancing()) : null;
            LOG.info("kembed running: {} -> {} (dlq {}), model {} ({}), {} partitions", settings.inputTopic(), settings.outputTopic(),
                    settings.dlqTopic(), model.name(), model.engine().info().fingerprint(), cfg.integer("kembed.topics.partitions"));
            return new KembedApp(broker, model, pipeline, streams, ms, kafka.getProperty(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG), stopped);
        } catch (RuntimeException e) {
            if (pipeline != null) {
                pipeline.close();
            }
            if (model != null) {
                model.close();
            }
            if (broker != null) {
                broker.close();
            }
            throw e;
        }
    }

    /** One tiny window through the engine before serving: fails fast on a broken model. */
    private static void warmUp(KembedModel model) {
        var info = model.engine().info();
        int[] ids = {info.bosTokenId(), info.eosTokenId()};
        model.engine().embed(WindowBatch.of(List.of(new EngineWindow(ids, null, new int[] {0, 0}))));
    }

    static Properties clientProps(Properties kafka) {
        Properties p = new Properties();
        for (String k : kafka.stringPropertyNames()) {
            if (k.startsWith("security.") || k.startsWith("sasl.") || k.startsWith("ssl.") || k.equals(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG)) {
                p.put(k, kafka.getProperty(k));
            }
        }
        return p;
    }

    static Properties streamsProps(Properties kafka, Path dataDir) {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "kembed");
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.STATE_DIR_CONFIG, dataDir.resolve("state").toAbsolutePath().toString());
        p.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, "true");
        p.putAll(kafka);
        return p;
    }

    /** Blocks until Kafka Streams stops (closed or failed); true if it failed. */
    public boolean awaitStopped() throws InterruptedException {
        stopped.await();
        return streams.state() == KafkaStreams.State.ERROR || streams.state() == KafkaStreams.State.PENDING_ERROR;
    }

    public KafkaStreams streams() {
        return streams;
    }

    public EmbeddingPipeline pipeline() {
        return pipeline;
    }

    public KembedModel model() {
        return model;
    }

    public String bootstrapServers() {
        return bootstrap;
    }

    @Override
    public void close() {
        streams.close(Duration.ofSeconds(60));
        if (metricsServer != null) {
            metricsServer.close();
        }
        pipeline.close();
        model.close();
        if (broker != null) {
            broker.close();
        }
    }
}
