package dev.kembed.model.checkpoint;

import java.nio.file.Path;

/**
 * How an encoder places positions and whether it has Longformer's global projections.
 * LONGFORMER: RoBERTa positions (pad id + 1 onward) and query/key/value_global per layer.
 * BERT: absolute positions from 0, token type 0, no global projections.
 */
public enum ModelFamily {
    LONGFORMER,
    BERT;

    static ModelFamily of(String modelType, Path config) {
        return switch (modelType) {
            case "longformer" -> LONGFORMER;
            case "bert" -> BERT;
            default -> throw new CheckpointException(config + ": model_type '" + modelType
                    + "' is not supported; allowed: longformer, bert");
        };
    }
}
