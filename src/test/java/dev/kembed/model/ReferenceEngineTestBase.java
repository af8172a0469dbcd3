package dev.kembed.model;

import dev.kembed.engine.Precision;
import dev.kembed.engine.onnxruntime.OnnxRuntimeEngine;
import dev.kembed.model.arch.Checkpoint;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * What graph-variant tests share: a checkpoint and the standard CPU fp32 engine over it, the
 * reference a variant graph is held against; opened once per class, closed after it.
 */
abstract class ReferenceEngineTestBase {
    @TempDir
    static Path tmp;

    static Checkpoint ckpt;
    static OnnxRuntimeEngine reference;

    /** @param globalAttention build the reference with Longformer's global-attention path */
    static void openReference(Path checkpointDir, String name, boolean globalAttention) {
        ckpt = Checkpoint.load(checkpointDir);
        reference = new OnnxRuntimeEngine(ckpt, name, 1, 1, globalAttention, Precision.FP32);
    }

    @AfterAll
    static void closeReference() {
        if (reference != null) {
            reference.close();
            reference = null;
        }
    }
}
