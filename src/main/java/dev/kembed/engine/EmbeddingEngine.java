package dev.kembed.engine;

/**
 * The one contract between kembed and a model backend (shaped like text-embeddings-inference's
 * {@code Backend}): a plain batch of token windows in, one result per window out. No tokenizer or
 * engine type crosses it; implementations are ONNX Runtime today and TensorRT on a GPU.
 *
 * <p>{@link #embed} may be called from several threads; implementations bound their own
 * concurrency (a DJL {@code Predictor} is not thread-safe).
 */
public interface EmbeddingEngine extends AutoCloseable {
    EngineInfo info();

    /**
     * Runs one batch.
     *
     * @throws EngineException if the backend fails; {@link EngineException#retryable()} says
     *                         whether the same batch may succeed later
     */
    BatchResult embed(WindowBatch batch);

    @Override
    void close();
}
