package dev.kembed.stream;

import dev.kembed.engine.WindowResultCache;

import dev.kembed.engine.queue.EngineWorkers;
import dev.kembed.serde.AvroWireFormat;
import dev.kembed.serde.SchemaRegistry;
import dev.kembed.serde.SubjectSchema;
import dev.kembed.text.WindowPlan;
import java.util.List;
import org.apache.kafka.streams.Topology;

/**
 * The streaming job's topology for one process, wired to the window plan, the shared engine
 * queue and the metrics. The caller owns (and closes) the engine and its workers.
 */
public final class EmbeddingPipeline {
    private final PipelineSettings settings;
    private final PipelineMetrics metrics;
    private final Topology topology;
    private final AvroWireFormat wire;
    private final SchemaRegistry registry;
    private final WindowResultCache cache;
    private final IntakeBound intake;

    public EmbeddingPipeline(PipelineSettings settings, WindowPlan plan, EngineWorkers workers, PipelineMetrics metrics) {
        this.settings = settings;
        this.metrics = metrics;
        this.registry = SchemaRegistry.forSettings(settings.registry());
        this.wire = new AvroWireFormat(registry);
        DocumentDecoder decoder = new DocumentDecoder(settings.inputFormat(), wire, settings.inputMaxChars(), plan.engine().vocabSize(),
                settings.limits().metadataMaxBytes());
        this.cache = new WindowResultCache(settings.reuseWindows() ? settings.cacheMaxBytes() : 0);
        metrics.watch(cache);
        this.intake = new IntakeBound(settings.intakeMaxTokens(), settings.parkedMaxBytes());
        metrics.watch(intake);
        this.topology = EmbedTopology.build(settings, decoder, plan, workers, wire, metrics, cache, intake);
    }

    public Topology topology() {
        return topology;
    }

    /** What this process has consumed and not emitted; the main consumers pause on it ({@link IntakeClientSupplier}). */
    public IntakeBound intake() {
        return intake;
    }

    public PipelineMetrics metrics() {
        return metrics;
    }

    /** The registry the pipeline reads and writes through (readiness asks it whether it answers). */
    public SchemaRegistry registry() {
        return registry;
    }

    /** The schemas the sinks write, with their subjects (start-up registers them). */
    public List<SubjectSchema> writtenSchemas() {
        return EmbedTopology.writtenSchemas(settings);
    }

    public AvroWireFormat wireFormat() {
        return wire;
    }

    public PipelineSettings settings() {
        return settings;
    }
}
