package dev.kembed.app;

import dev.kembed.engine.queue.EngineWorkers;
import dev.kembed.engine.queue.WorkClass;
import dev.kembed.stream.PipelineMetrics;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The next model, rolled out in this process while the live one serves: its own engine stack
 * (whose workers run only while the live queue has nothing to do), its own Kafka Streams
 * application reading the input topic from its beginning into the rollout topics, and its
 * progress. It never stops the live pipeline: a failed rollout is logged and shown in
 * {@code /health}'s detail.
 */
final class Rollout implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Rollout.class);

    private final EngineStack stack;
    private final PipelineRun run;
    private final RolloutProgress progress;
    private volatile String failed;

    private Rollout(EngineStack stack, PipelineRun run, RolloutProgress progress) {
        this.stack = stack;
        this.run = run;
        this.progress = progress;
    }

    /**
     * @param stack the rollout's engine stack, opened (closed by this rollout from now on)
     * @param live  the live pipeline's workers: the rollout's run only while these are idle
     */
    static Rollout create(KembedConfig cfg, EngineStack stack, EngineWorkers live, Properties kafka, Path dataDir, String rolloutId,
            String liveId, ApplicationState admin, ApplicationLedger ledger, MeterRegistry registry) {
        try {
            // the rollout's own pipeline metrics stay private: the same names twice would break the scrape; what matters is exported below
            PipelineMetrics metrics = new PipelineMetrics(new SimpleMeterRegistry());
            EngineWorkers workers = stack.startWorkersBehind(live, metrics);
            Properties fromTheBeginning = new Properties();
            fromTheBeginning.putAll(kafka);
            // every live document is in the input topic: whatever the live pipeline's offset reset, the rollout reads it all
            fromTheBeginning.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
            PipelineRun run = PipelineRun.create(cfg, stack, workers, metrics, fromTheBeginning, dataDir, rolloutId);
            RolloutProgress progress = new RolloutProgress(admin, ledger, cfg.inputTopic(), liveId, rolloutId, run.streams());
            Rollout r = new Rollout(stack, run, progress);
            Gauge.builder("kembed.rollout.documents.remaining", progress, RolloutProgress::remaining)
                    .description("input records the rollout has yet to embed to stand where the live pipeline stands, and its documents in flight "
                            + "below that (-1 before the first measure)").register(registry);
            Gauge.builder("kembed.rollout.ready", progress, p -> p.ready() ? 1 : 0)
                    .description("1 once the rollout topic holds, for every live document, the version the live topic holds").register(registry);
            FunctionCounter.builder("kembed.rollout.documents.out", metrics, PipelineMetrics::documentsOut)
                    .description("document records the rollout wrote").register(registry);
            FunctionCounter.builder("kembed.rollout.engine.seconds", workers, w -> w.engineSeconds(WorkClass.DOCUMENT))
                    .description("engine time the rollout used (only while the live queue had nothing to do)").register(registry);
            return r;
        } catch (RuntimeException e) {
            stack.close();
            throw e;
        }
    }

    void start() {
        run.streams().setStateListener((now, before) -> {
            if (now == KafkaStreams.State.ERROR) {
                failed = "rollout " + run.applicationId() + " stopped (Kafka Streams " + now + "); the live pipeline is not affected; see the log";
                LOG.error("{}", failed);
            }
        });
        run.start(id -> failed = "rollout " + id + ": the schema registry refused its output schema (see the log)");
        progress.start();
    }

    /** What {@code /health}'s detail says of the rollout. */
    String describe() {
        return failed != null ? failed : progress.describe();
    }

    KafkaStreams streams() {
        return run.streams();
    }

    RolloutProgress progress() {
        return progress;
    }

    String applicationId() {
        return run.applicationId();
    }

    @Override
    public void close() {
        progress.close();
        run.close();
        stack.close();
    }
}
