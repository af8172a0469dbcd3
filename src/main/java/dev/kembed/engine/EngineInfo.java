package dev.kembed.engine;

import dev.kembed.model.arch.ModelConfig;
import dev.kembed.model.arch.Architecture;
import java.util.List;
import java.util.Set;

/**
 * What an engine is and can do, declared once at load so callers check settings against it at
 * start-up instead of failing per window.
 *
 * @param engine          the engine's name, e.g. {@code onnxruntime-cpu}
 * @param fingerprint     hash of config + weights (see {@code Checkpoint#fingerprint})
 * @param precision       the precision this instance runs in
 * @param family          model family (a bert-family graph has no global-attention projections)
 * @param dimension       width of every output vector
 * @param maxTokens       the longest window, special tokens included
 * @param padMultiple     the graph pads every sequence to a multiple of this (the attention window)
 * @param globalAttention whether the graph honours {@link EngineWindow#globalMask()}
 * @param precisions      precisions this engine can be opened with
 * @param staticLengths   padded lengths of static-shape engines (sorted); empty = any length
 * @param maxBatch        most windows per call (static engines: their batch size); 0 = no limit
 * @param staticBatch     every call computes {@code maxBatch} rows whatever it is given (TensorRT's static shapes)
 * @param vocabSize       token ids must lie in {@code [0, vocabSize)}
 * @param batchingHelps   whether more windows per call raise the engine's throughput (GPUs); where
 *                        they do not (CPU engines: batch 4 runs at batch 1's tokens/s), a batch only
 *                        holds the engine longer, so the default batch is one maximal window
 * @param numerics        what besides model and precision fixes the engine's numbers (graph format
 *                        version, linear format, graph variant); part of every window identity, so
 *                        an upgrade that changes the graph never reuses results stored before it
 * @param chunkSlots      chunk slots one window may pool in the graph (late chunking); 0 = none
 */
public record EngineInfo(
        String engine,
        String modelName,
        String fingerprint,
        Precision precision,
        Architecture family,
        int dimension,
        int maxTokens,
        int padMultiple,
        boolean globalAttention,
        Set<Precision> precisions,
        List<Integer> staticLengths,
        int maxBatch,
        boolean staticBatch,
        int vocabSize,
        int padTokenId,
        int bosTokenId,
        int eosTokenId,
        boolean batchingHelps,
        String numerics,
        int chunkSlots) {
    public EngineInfo {
        java.util.Objects.requireNonNull(numerics, "numerics");
        precisions = Set.copyOf(precisions);
        staticLengths = staticLengths.stream().sorted().toList();
    }

    /** The info of a dynamic-shape engine over a checkpoint of this configuration. */
    public static EngineInfo dynamic(String engine, String modelName, String fingerprint, Precision precision, ModelConfig c,
            boolean globalAttention, Set<Precision> precisions, boolean batchingHelps, String numerics, int chunkSlots) {
        return new EngineInfo(engine, modelName, fingerprint, precision, c.family(), c.hiddenSize(), c.maxTokens(), c.padMultiple(),
                globalAttention, precisions, List.of(), 0, false, c.vocabSize(), c.padTokenId(), c.bosTokenId(), c.eosTokenId(), batchingHelps,
                numerics, chunkSlots);
    }

    /** The same capabilities under another engine name (an engine that wraps another). */
    public EngineInfo withEngine(String name) {
        return new EngineInfo(name, modelName, fingerprint, precision, family, dimension, maxTokens, padMultiple, globalAttention, precisions,
                staticLengths, maxBatch, staticBatch, vocabSize, padTokenId, bosTokenId, eosTokenId, batchingHelps, numerics, chunkSlots);
    }

    /** The static lengths as the buckets the queue batches by (empty: any length). */
    public ShapeBuckets shapeBuckets() {
        return new ShapeBuckets(staticLengths);
    }

    /** The model fields of output records: the fingerprint qualified by precision, so an int8 vector never passes for fp32. */
    public String modelFingerprint() {
        return precision == Precision.FP32 ? fingerprint : fingerprint + "-" + precision.label();
    }
}
