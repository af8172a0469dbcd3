package dev.kembed.engine;

import dev.kembed.model.checkpoint.Checkpoint;

/**
 * What callers need to know to batch for an engine.
 *
 * @param backend         e.g. "onnxruntime-cpu"
 * @param fingerprint     hash of config + weights (see {@link Checkpoint#fingerprint})
 * @param dimension       width of every output vector
 * @param maxTokens       the longest window, special tokens included
 * @param padMultiple     the engine pads every sequence to a multiple of this
 * @param globalAttention whether the graph honours {@link EngineWindow#globalMask()}
 * @param bosTokenId      the id that opens every window ({@code <s>} / {@code [CLS]})
 */
public record EngineInfo(
        String backend,
        String modelName,
        String fingerprint,
        int dimension,
        int maxTokens,
        int padMultiple,
        boolean globalAttention,
        int padTokenId,
        int bosTokenId,
        int eosTokenId) {}
