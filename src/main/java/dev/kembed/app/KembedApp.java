package dev.kembed.app;

import dev.kembed.app.config.HttpConfig;
import dev.kembed.engine.queue.EngineListener;
import dev.kembed.engine.queue.EngineWorkers;
import dev.kembed.http.HttpMetrics;
import dev.kembed.http.WebServer;
import dev.kembed.model.arch.ModelConfig;
import dev.kembed.stream.EmbeddingPipeline;
import dev.kembed.stream.PollCycle;
import dev.kembed.stream.PipelineMetrics;
import dev.kembed.stream.PipelineSettings;
import dev.kembed.stream.RecordTooLargeHandler;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running streaming job: (embedded broker) → model loaded, health-checked and warmed up →
 * topics → Kafka Streams with exactly-once v2. Owns and closes everything it starts, in reverse.
 */
public final class KembedApp implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KembedApp.class);
    /** Records per poll of a stream thread's main consumer unless the user sets it. */
    static final String MAX_POLL_RECORDS = "100";

    private final EmbeddedKafkaBroker broker;
    private final EngineStack stack;
    private final PipelineRun run;
    /** Null without a rollout. */
    private final Rollout rollout;
    private final ApplicationState admin;
    private final ApplicationLedger ledger;
    /** Null when nothing is retired. */
    private final Retirement retirement;
    private final WebServer webServer;
    private final String bootstrap;
    private final CountDownLatch stopped;
    private final KafkaStreamsMetrics kafkaMetrics;
    private final AutoCloseable jvmMetrics;
    private final RegistryWatch registryWatch;

    private KembedApp(EmbeddedKafkaBroker broker, EngineStack stack, PipelineRun run, Rollout rollout, ApplicationState admin,
            ApplicationLedger ledger, Retirement retirement, WebServer webServer, String bootstrap, CountDownLatch stopped, KafkaStreamsMetrics kafkaMetrics, AutoCloseable jvmMetrics,
            RegistryWatch registryWatch) {
        this.broker = broker;
        this.stack = stack;
        this.run = run;
        this.rollout = rollout;
        this.admin = admin;
        this.ledger = ledger;
        this.retirement = retirement;
        this.webServer = webServer;
        this.bootstrap = bootstrap;
        this.stopped = stopped;
        this.kafkaMetrics = kafkaMetrics;
        this.jvmMetrics = jvmMetrics;
        this.registryWatch = registryWatch;
    }

    /** Micrometer's JVM binders (memory, GC, threads, class loading, CPU, uptime); closing stops the GC listener. */
    static AutoCloseable bindJvmMetrics(io.micrometer.core.instrument.MeterRegistry registry) {
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        JvmGcMetrics gc = new JvmGcMetrics();
        gc.bindTo(registry);
        return gc;
    }

    /** Closes {@code c} (if any), logging instead of throwing: one failed close must not stop the others. */
    /**
     * A query API without a key answers anyone who reaches its port: said at WARN, so that it is
     * seen in a log filtered to warnings, unless it listens on loopback only.
     */
    static void warnWithoutKey(KembedConfig cfg, int port) {
        String host = cfg.httpHost();
        boolean loopbackOnly = host != null && (host.equals("localhost") || host.startsWith("127.") || host.equals("::1"));
        if (cfg.httpSettings().apiKey() == null && !loopbackOnly) {
            LOG.warn("the query API has no API key: anyone who reaches port {} can embed; set {} (or KEMBED_HTTP_API_KEY), or {}=127.0.0.1 "
                    + "behind a proxy that authenticates", port, HttpConfig.HTTP_API_KEY,
                    HttpConfig.HTTP_HOST);
        }
    }

    static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.warn("closing {} failed: {}", c.getClass().getSimpleName(), e.toString());
            }
        }
    }

    public static KembedApp start(KembedConfig cfg, Path dataDir) {
        Properties kafka = cfg.kafka();
        EmbeddedKafkaBroker broker = null;
        EngineStack stack = null;
        EngineStack rolloutStack = null;
        KafkaStreamsMetrics kafkaMetrics = null;
        AutoCloseable jvmMetrics = null;
        RegistryWatch registryWatch = null;
        WebServer webServer = null;
        PipelineRun run = null;
        Rollout rollout = null;
        ApplicationState admin = null;
        Retirement retirement = null;
        ApplicationLedger ledger = null;
        try {
            stack = EngineStack.open(cfg, cfg.engineSpec(dataDir, lateChunkingWindow(cfg)));
            KembedConfig next = cfg.rollout();
            if (next != null) {
                rolloutStack = EngineStack.openBehind(next, next.engineSpec(dataDir, lateChunkingWindow(next)));
            }
            if (!kafka.containsKey(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG)) {
                LOG.info("no bootstrap.servers: starting an embedded single-node KRaft broker in {}", dataDir);
                broker = EmbeddedKafkaBroker.start(dataDir);
                kafka.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
            }
            Properties clients = clientProps(kafka);
            admin = new ApplicationState(clients);
            String baseId = streamsProps(kafka, dataDir).getProperty(StreamsConfig.APPLICATION_ID_CONFIG);
            ledger = new ApplicationLedger(clients, baseId);
            LedgerPlan ledgerPlan = ledger.settle(cfg, stack, next, rolloutStack, admin, baseId);
            retirement = Retirement.start(admin, ledger, ledgerPlan.retired(), dataDir.resolve("state"));
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            PipelineMetrics metrics = new PipelineMetrics(registry);
            HttpMetrics httpMetrics = cfg.httpPort() > 0 ? new HttpMetrics(registry) : null;
            EngineWorkers workers = stack.startWorkers(httpMetrics == null ? metrics : EngineListener.both(metrics, httpMetrics));
            metrics.watch(workers);
            run = PipelineRun.create(cfg, stack, workers, metrics, kafka, dataDir, ledgerPlan.liveApplicationId());
            if (rolloutStack != null) {
                EngineStack opened = rolloutStack;
                rolloutStack = null; // the rollout owns it now
                rollout = Rollout.create(next, opened, workers, kafka, dataDir, ledgerPlan.rolloutApplicationId(),
                        ledgerPlan.liveApplicationId(), admin, ledger, registry);
            }
            EmbeddingPipeline pipeline = run.pipeline();
            KafkaStreams streams = run.streams();
            kafkaMetrics = new KafkaStreamsMetrics(streams); // Kafka's own: lag, commit rate, process latency, clients
            kafkaMetrics.bindTo(registry);
            jvmMetrics = bindJvmMetrics(registry);
            CountDownLatch stopped = new CountDownLatch(1);
            workers.gaveUp().thenRun(stopped::countDown); // a hung engine with no fresh instance left: the process must go
            streams.setStateListener((now, before) -> {
                if (now == KafkaStreams.State.ERROR || now == KafkaStreams.State.NOT_RUNNING || now == KafkaStreams.State.PENDING_ERROR) {
                    stopped.countDown();
                }
            });
            StreamThreadFailures failures = run.failures();
            EngineStack engine = stack;
            SchemaRegistration schemas = run.registration();
            Gauge.builder("kembed.registry.schemas.unregistered", schemas, SchemaRegistration::unregistered)
                    .description("output schemas not registered yet: Kafka Streams starts once this is 0").register(registry);
            FunctionCounter.builder("kembed.stream.thread.registry.waits", failures, StreamThreadFailures::registryWaits)
                    .description("stream threads replaced after waiting for an unreachable schema registry (not counted as failures)")
                    .register(registry);
            registryWatch = new RegistryWatch(pipeline.registry(), schemas);
            RegistryWatch watch = registryWatch;
            Rollout rolling = rollout;
            java.util.function.Supplier<String> detail = rolling == null ? pipeline.intake()::describe
                    : () -> pipeline.intake().describe() + "\n" + rolling.describe();
            // bound before Streams starts, so a port in use stops start-up with nothing left running
            if (cfg.metricsPort() > 0 || httpMetrics != null) {
                WebServer.Ops ops = new WebServer.Ops(registry::scrape, () -> notReady(streams, engine, watch, failures, schemas), detail,
                        cfg.metricsKey());
                webServer = WebServer.start(ops, cfg.metricsPort() > 0 ? new WebServer.Listen(HttpConfig.METRICS_PORT, cfg.metricsPort()) : null,
                        httpMetrics == null ? null : stack.queryApi(cfg, httpMetrics),
                        httpMetrics == null ? null : new WebServer.Listen(HttpConfig.HTTP_PORT, cfg.httpHost(), cfg.httpPort()));
                if (httpMetrics != null) {
                    warnWithoutKey(cfg, cfg.httpPort());
                }
            }
            run.start(refused -> stopped.countDown());
            if (rollout != null) {
                rollout.start();
            }
            PipelineSettings settings = pipeline.settings();
            LOG.info("kembed running: {} -> {} (dlq {}), {} partitions, application {}{}{}", settings.inputTopic(), settings.outputTopic(),
                    settings.dlqTopic(), cfg.topicsPartitions(), run.applicationId(),
                    rollout == null ? "" : "; rolling out " + next.modelDir() + " into " + next.outputTopic() + " as " + rollout.applicationId(),
                    httpMetrics == null ? "" : "; query API on port " + cfg.httpPort());
            return new KembedApp(broker, stack, run, rollout, admin, ledger, retirement, webServer, kafka.getProperty(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG),
                    stopped, kafkaMetrics, jvmMetrics, registryWatch);
        } catch (RuntimeException e) {
            closeQuietly(retirement);
            closeQuietly(rollout);
            closeQuietly(run);
            closeQuietly(webServer);
            closeQuietly(registryWatch);
            closeQuietly(kafkaMetrics);
            closeQuietly(jvmMetrics);
            closeQuietly(rolloutStack);
            closeQuietly(stack);
            closeQuietly(ledger);
            closeQuietly(admin);
            if (broker != null) {
                broker.close();
            }
            throw e;
        }
    }

    /** With late chunking, the model's attention window (the graph's chunk slots follow from it); else 0. */
    private static int lateChunkingWindow(KembedConfig cfg) {
        boolean late = cfg.chunkOutput() != null && cfg.chunkOutput().late();
        return late ? ModelConfig.read(cfg.modelDir()).maxTokens() : 0;
    }

    /** Null when ready; otherwise what is not, one line each. */
    static String notReady(KafkaStreams streams, EngineStack engine, RegistryWatch registry, StreamThreadFailures failures,
            SchemaRegistration registration) {
        List<String> not = new ArrayList<>();
        String looping = failures.unstable();
        if (looping != null) {
            not.add(looping);
        }
        String unregistered = registration.notReady();
        String registryDown = registry.unreachable();
        if (unregistered != null) {
            not.add(unregistered); // says it all: the registry's own line would repeat it
        } else if (registryDown != null) {
            not.add("schema registry: " + registryDown);
        }
        if (!streams.state().isRunningOrRebalancing()) {
            not.add("streams: " + streams.state());
        }
        String engineNotReady = engine.notReady();
        if (engineNotReady != null) {
            not.add(engineNotReady);
        }
        return not.isEmpty() ? null : String.join("\n", not);
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
        // the intake bound pauses fetching before each poll, so what one poll returns is how far it
        // can be passed: 100 records (not Streams' 1000) keeps that small, and an embedding job
        // never needs more records per poll than that to keep its engine busy
        if (!kafka.containsKey("max.poll.records") && !kafka.containsKey("consumer.max.poll.records")
                && !kafka.containsKey("main.consumer.max.poll.records")) {
            p.put("main.consumer.max.poll.records", MAX_POLL_RECORDS);
        }
        PollCycle.addTo(p); // the stream threads' admission wait is bounded per poll
        return p;
    }

    /**
     * The producer takes the largest record kembed may write ({@code max.request.size}, and a buffer
     * that holds it), and a record refused all the same is skipped and logged rather than failing the
     * thread ({@link RecordTooLargeHandler}); settings given explicitly stay, if they are large enough.
     */
    static void withRecordSizes(Properties sp, int maxRequestSize) {
        String key = ProducerConfig.MAX_REQUEST_SIZE_CONFIG;
        String given = sp.getProperty(StreamsConfig.producerPrefix(key), sp.getProperty(key));
        if (given != null && Long.parseLong(given.trim()) < maxRequestSize) {
            throw new IllegalStateException(key + "=" + given.trim() + " is smaller than the largest record kembed may write to its topics ("
                    + maxRequestSize + " bytes); remove the setting (kembed sets it) or raise it");
        }
        if (given == null) {
            sp.put(StreamsConfig.producerPrefix(key), Integer.toString(maxRequestSize));
        }
        long buffer = 32L << 20;
        if (maxRequestSize > buffer && sp.getProperty(StreamsConfig.producerPrefix(ProducerConfig.BUFFER_MEMORY_CONFIG),
                sp.getProperty(ProducerConfig.BUFFER_MEMORY_CONFIG)) == null) {
            sp.put(StreamsConfig.producerPrefix(ProducerConfig.BUFFER_MEMORY_CONFIG), Long.toString(2L * maxRequestSize));
        }
        sp.putIfAbsent(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, RecordTooLargeHandler.class.getName());
    }

    /**
     * Blocks until Kafka Streams stops (closed or failed), start-up gave up (the registry refused
     * an output schema) or the engine workers gave up on a hung engine; true if any failed.
     * Waiting for an unreachable registry is not stopping.
     */
    public boolean awaitStopped() throws InterruptedException {
        stopped.await();
        if (engineGaveUp() != null) {
            LOG.error("stopping: the engine hung and no fresh instance recovered ({}); closing and exiting non-zero", engineGaveUp());
            return true;
        }
        KafkaStreams streams = run.streams();
        return run.registration().refused() != null || streams.state() == KafkaStreams.State.ERROR
                || streams.state() == KafkaStreams.State.PENDING_ERROR;
    }

    /** Null once the output schemas are registered (Kafka Streams started); else what start-up waits for. */
    public String waitingForRegistry() {
        return run.registration().notReady();
    }

    /** Why the engine workers gave up on the engine, or null while they have not. */
    public String engineGaveUp() {
        return stack.workers().gaveUp().getNow(null);
    }

    public KafkaStreams streams() {
        return run.streams();
    }

    public EmbeddingPipeline pipeline() {
        return run.pipeline();
    }

    /** The Kafka Streams application id the live pipeline runs under (the base id, or a former rollout's after a cutover). */
    public String applicationId() {
        return run.applicationId();
    }

    /** The rollout's streams, or null without a rollout. */
    public KafkaStreams rolloutStreams() {
        return rollout == null ? null : rollout.streams();
    }

    public EngineWorkers workers() {
        return stack.workers();
    }

    public KembedModel model() {
        return stack.model();
    }

    public String bootstrapServers() {
        return bootstrap;
    }

    /** Retired applications whose consumer group and changelogs are still to be deleted (none: empty). */
    public List<String> retiredWaiting() {
        return retirement == null ? List.of() : retirement.waiting();
    }

    @Override
    public void close() {
        closeQuietly(retirement);
        closeQuietly(rollout);
        closeQuietly(run);
        closeQuietly(kafkaMetrics);
        closeQuietly(jvmMetrics);
        closeQuietly(registryWatch);
        closeQuietly(webServer);
        closeQuietly(stack);
        closeQuietly(ledger); // after the rollout and the retirement, its writers
        closeQuietly(admin);
        if (broker != null) {
            broker.close();
        }
    }
}
