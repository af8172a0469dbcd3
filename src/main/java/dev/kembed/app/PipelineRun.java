package dev.kembed.app;

import dev.kembed.engine.queue.EngineWorkers;
import dev.kembed.stream.EmbeddingPipeline;
import dev.kembed.stream.IntakeClientSupplier;
import dev.kembed.stream.PipelineMetrics;
import dev.kembed.stream.PipelineSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Kafka Streams application of this process on its engine workers: its topics made ready, its
 * topology, its streams and the registration of the schemas it writes. The live pipeline has one,
 * and so has a rollout in progress, under its own application id.
 */
final class PipelineRun implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PipelineRun.class);

    private final String applicationId;
    private final EmbeddingPipeline pipeline;
    private final KafkaStreams streams;
    private final StreamThreadFailures failures;
    private final SchemaRegistration registration;
    /** Set by close; guards a deferred {@code streams.start()} (after the registry answered) against a close under way. */
    private final AtomicBoolean closed = new AtomicBoolean();

    private PipelineRun(String applicationId, EmbeddingPipeline pipeline, KafkaStreams streams, StreamThreadFailures failures,
            SchemaRegistration registration) {
        this.applicationId = applicationId;
        this.pipeline = pipeline;
        this.streams = streams;
        this.failures = failures;
        this.registration = registration;
    }

    /**
     * Makes the topics ready (refusing to start when one cannot take what the pipeline writes) and
     * builds the streams; nothing runs until {@link #start}.
     */
    static PipelineRun create(KembedConfig cfg, EngineStack stack, EngineWorkers workers, PipelineMetrics metrics, Properties kafka, Path dataDir,
            String applicationId) {
        Properties sp = KembedApp.streamsProps(kafka, dataDir);
        sp.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        // topics first: what they take bounds what the topology writes (the parked changelog, the per-record net)
        KembedTopics topics = KembedTopics.prepare(KembedApp.clientProps(kafka), cfg.pipelineSettings(), stack.plan(), applicationId,
                cfg.topicsCreate(), cfg.topicsPartitions(), cfg.topicsReplication());
        KembedApp.withRecordSizes(sp, topics.maxRequestSize());
        PipelineSettings settings = cfg.pipelineSettings().withLimits(topics.limits());
        EmbeddingPipeline pipeline = new EmbeddingPipeline(settings, stack.plan(), workers, metrics);
        KafkaStreams streams;
        if ("streams".equalsIgnoreCase(sp.getProperty("group.protocol", "classic").trim())) {
            // KIP-1071's protocol needs Kafka's own consumer class as the main consumer: no wrapper can pause it
            LOG.warn("group.protocol=streams: kembed.intake.max.tokens and kembed.parked.max.bytes are counted but cannot pause "
                    + "fetching; use the classic protocol (the default) to bound what kembed holds");
            streams = new KafkaStreams(pipeline.topology(), sp);
        } else {
            // each stream thread's main consumer stops fetching while the process holds its bound of input
            streams = new KafkaStreams(pipeline.topology(), sp, new IntakeClientSupplier(pipeline.intake()));
        }
        StreamThreadFailures failures = StreamThreadFailures.standard(pipeline.registry()::unreachable);
        streams.setUncaughtExceptionHandler(failures::handle);
        SchemaRegistration registration = new SchemaRegistration(pipeline.registry(), pipeline.writtenSchemas(),
                cfg.registryRetryBackoffMax().toMillis(), System::currentTimeMillis, Thread::sleep);
        return new PipelineRun(applicationId, pipeline, streams, failures, registration);
    }

    /**
     * Starts the streams once the schemas they write are registered: at once when the registry
     * answers, else in the background (never exiting) while health and metrics are served.
     *
     * @param refused called when the registry refuses a schema (the process is expected to stop)
     */
    void start(Consumer<String> refused) {
        // the output schemas first, so the sinks never wait on the registry; a refusal throws here and nothing stays running
        if (registration.attempt()) {
            streams.start();
            return;
        }
        registration.inBackground(() -> {
            synchronized (closed) {
                if (!closed.get()) {
                    streams.start();
                    LOG.info("output schemas of {} registered; Kafka Streams started", applicationId);
                }
            }
        }, r -> refused.accept(applicationId));
    }

    String applicationId() {
        return applicationId;
    }

    EmbeddingPipeline pipeline() {
        return pipeline;
    }

    KafkaStreams streams() {
        return streams;
    }

    StreamThreadFailures failures() {
        return failures;
    }

    SchemaRegistration registration() {
        return registration;
    }

    @Override
    public void close() {
        synchronized (closed) {
            closed.set(true);
        }
        KembedApp.closeQuietly(registration);
        streams.close(Duration.ofSeconds(60));
    }
}
