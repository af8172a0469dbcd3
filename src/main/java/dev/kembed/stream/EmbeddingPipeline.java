package dev.kembed.stream;

import dev.kembed.engine.EngineWorkers;
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

    public EmbeddingPipeline(PipelineSettings settings, WindowPlan plan, EngineWorkers workers, PipelineMetrics metrics) {
        this.settings = settings;
        this.metrics = metrics;
        this.wire = new AvroWireFormat(SchemaRegistry.forUrl(settings.registryUrl()));
        DocumentDecoder decoder = new DocumentDecoder(settings.inputFormat(), wire, settings.inputMaxChars(), plan.engine().vocabSize());
        this.topology = EmbedTopology.build(settings, decoder, plan, workers, wire, metrics);
    }

    public Topology topology() {
        return topology;
    }

    public PipelineMetrics metrics() {
        return metrics;
    }

    public AvroWireFormat wireFormat() {
        return wire;
    }

    public PipelineSettings settings() {
        return settings;
    }
}
