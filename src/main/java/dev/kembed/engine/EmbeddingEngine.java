package dev.kembed.engine;

import java.util.List;

/**
 * The one contract between kembed and a model backend (shaped like text-embeddings-inference's
 * {@code Backend}): a plain batch of token windows in, one result per window out. No tokenizer,
 * Kafka or DJL type crosses it.
 *
 * <p>{@link #embed} may be called from several threads; implementations bound their own
 * concurrency (a DJL {@code Predictor} is not thread-safe).
 */
public interface EmbeddingEngine extends AutoCloseable {
    EngineInfo info();

    /**
     * Runs one batch.
     *
     * @throws EngineException classified by {@link EngineException#kind()}
     */
    BatchResult embed(WindowBatch batch);

    /**
     * Is the engine serving? Runs the smallest possible window ({@code <s></s>}); throws the
     * engine's own exception when it cannot. Used as warm-up before serving and as the probe
     * that tells a down engine from a window that fails on its own.
     */
    default void healthCheck() {
        EngineInfo info = info();
        int[] ids = info.bosTokenId() >= 0 ? new int[] {info.bosTokenId(), info.eosTokenId()} : new int[] {info.eosTokenId()};
        embed(WindowBatch.of(List.of(new EngineWindow(ids, null, new int[ids.length]))));
    }

    @Override
    void close();
}
