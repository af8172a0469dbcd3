package dev.kembed.app;

import dev.kembed.engine.EngineSpec;
import dev.kembed.engine.Precision;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options of commands that open a model on an engine. */
final class EngineOptions {
    @Option(names = "--model", required = true, description = "Checkpoint directory (config.json, weights, tokenizer).")
    Path model;

    @Option(names = "--engine", defaultValue = "auto", description = "Engine by name: auto or onnxruntime-cpu. Default: ${DEFAULT-VALUE}")
    String engine;

    @Option(names = "--precision", defaultValue = "fp32", description = "Numeric precision the engine must support. Default: ${DEFAULT-VALUE}")
    String precision;

    @Option(names = "--threads", defaultValue = "0", description = "Intra-op threads per engine call (0 = all cores). Default: ${DEFAULT-VALUE}")
    int threads;

    EngineSpec spec(boolean globalAttention) {
        return new EngineSpec(engine, Precision.parse("--precision", precision), threads, 1, globalAttention);
    }

    KembedModel open(boolean globalAttention) {
        return KembedModel.open(model, spec(globalAttention), "--engine");
    }
}
