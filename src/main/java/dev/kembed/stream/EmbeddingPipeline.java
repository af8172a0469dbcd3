package dev.kembed.stream;

import dev.kembed.engine.BatchingQueue;

import dev.kembed.engine.EmbeddingEngine;
import dev.kembed.serde.AvroWireFormat;
import dev.kembed.serde.SchemaRegistry;
import dev.kembed.text.DocumentTokenizer;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.streams.Topology;

/**
 * The streaming job's moving parts for one process: the shared engine queue, metrics and the
 * topology wired to them. The caller owns the tokenizer and engine; this owns the queue.
 */
public final class EmbeddingPipeline implements AutoCloseable {
    private final PipelineSettings settings;
    private final BatchingQueue queue;
    private final PipelineMetrics metrics;
    private final Topology topology;
    private final AvroWireFormat wire;

    public EmbeddingPipeline(PipelineSettings settings, DocumentTokenizer tokenizer, EmbeddingEngine engine, int vocabSize, MeterRegistry registry) {
        this.settings = settings;
        this.metrics = new PipelineMetrics(registry);
        this.queue = new BatchingQueue(engine, settings.batch(), settings.queueMaxWindows(), settings.queueMaxBlockMs(),
                settings.engineThreads(), settings.engineRetries(), settings.engineRetryBackoffMs(), metrics);
        registry.gauge("kembed.queue.windows", queue, BatchingQueue::queued);
        this.wire = new AvroWireFormat(SchemaRegistry.forUrl(settings.registryUrl()));
        DocumentDecoder decoder = new DocumentDecoder(settings.inputFormat(), wire, settings.inputMaxChars(), vocabSize);
        this.topology = EmbedTopology.build(settings, decoder, tokenizer, engine.info(), queue, wire, metrics);
    }

    public Topology topology() {
        return topology;
    }

    public PipelineMetrics metrics() {
        return metrics;
    }

    public BatchingQueue queue() {
        return queue;
    }

    public AvroWireFormat wireFormat() {
        return wire;
    }

    public PipelineSettings settings() {
        return settings;
    }

    @Override
    public void close() {
        queue.close();
    }
}
