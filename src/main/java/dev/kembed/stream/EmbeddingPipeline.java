package dev.kembed.stream;

import dev.kembed.engine.WindowResultCache;

import dev.kembed.engine.queue.EngineWorkers;
import dev.kembed.serde.AvroWireFormat;
import dev.kembed.serde.SchemaRegistry;
import dev.kembed.text.WindowPlan;
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

    public EmbeddingPipeline(PipelineSettings settings, WindowPlan plan, EngineWorkers workers, PipelineMetrics metrics) {
        this.settings = settings;
        this.metrics = metrics;
        this.registry = SchemaRegistry.forSettings(settings.registry());
        this.wire = new AvroWireFormat(registry);
        DocumentDecoder decoder = new DocumentDecoder(settings.inputFormat(), wire, settings.inputMaxChars(), plan.engine().vocabSize(),
                settings.limits().metadataMaxBytes());
        this.cache = new WindowResultCache(settings.reuseWindows() ? settings.cacheMaxBytes() : 0);
        metrics.watch(cache);
        this.topology = EmbedTopology.build(settings, decoder, plan, workers, wire, metrics, cache);
    }

    public Topology topology() {
        return topology;
    }

    public PipelineMetrics metrics() {
        return metrics;
    }

    /** The registry the pipeline reads and writes through (readiness asks it whether it answers). */
    public SchemaRegistry registry() {
        return registry;
    }

    public AvroWireFormat wireFormat() {
        return wire;
    }

    public PipelineSettings settings() {
        return settings;
    }
}
