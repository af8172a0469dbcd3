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

    @Option(names = "--precision", defaultValue = "fp32", description = "Numeric precision: fp32 or int8 (onnxruntime-cpu); the engine must support it. Default: ${DEFAULT-VALUE}")
    String precision;

    @Option(names = "--threads", defaultValue = "0", description = "Intra-op threads per engine call (0 = all cores). Default: ${DEFAULT-VALUE}")
    int threads;

    EngineSpec spec(boolean globalAttention) {
        return spec(globalAttention, Precision.parse("--precision", precision));
    }

    EngineSpec spec(boolean globalAttention, Precision p) {
        return new EngineSpec(engine, p, threads, 1, globalAttention);
    }

    KembedModel open(boolean globalAttention) {
        return KembedModel.open(model, spec(globalAttention), "--engine");
    }

    KembedModel open(boolean globalAttention, Precision p) {
        return KembedModel.open(model, spec(globalAttention, p), "--engine");
    }
}
