package dev.kembed.serde;

import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Retries a registry call that failed because no registry answered, in place, with doubling
 * pauses, for at most {@code budgetMs}; then the last {@link SerdeException} (retryable) goes to
 * the caller. Anything else (a refusal, a bad value) is thrown at once: retrying it cannot help.
 *
 * <p>The sink's serializer uses it. The budget is kept far below what a stream thread may spend in
 * one call: 5 s against Kafka Streams' 10 s exactly-once transaction timeout and the consumer's
 * 300 s {@code max.poll.interval.ms}. Past it the thread fails with a retryable error, which
 * {@code StreamThreadFailures} answers by waiting for the registry and replacing the thread without
 * counting it (the aborted transaction is re-read: nothing lost, nothing twice).
 */
public final class RegistryRetry {
    public interface Sleeper {
        void sleep(long ms) throws InterruptedException;
    }

    static final long FIRST_PAUSE_MS = 100;
    static final long BUDGET_MS = 5_000;

    private final long firstPauseMs;
    private final long budgetMs;
    private final LongSupplier clockMs;
    private final Sleeper sleeper;

    public RegistryRetry(long firstPauseMs, long budgetMs, LongSupplier clockMs, Sleeper sleeper) {
        if (firstPauseMs <= 0 || budgetMs < 0) {
            throw new IllegalArgumentException("registry retry needs a positive first pause and a budget >= 0, got " + firstPauseMs + " and " + budgetMs);
        }
        this.firstPauseMs = firstPauseMs;
        this.budgetMs = budgetMs;
        this.clockMs = clockMs;
        this.sleeper = sleeper;
    }

    /** 0.1 s doubling, within 5 s of the first failure, on the system clock. */
    public static RegistryRetry standard() {
        return new RegistryRetry(FIRST_PAUSE_MS, BUDGET_MS, System::currentTimeMillis, Thread::sleep);
    }

    public <T> T call(Supplier<T> registryCall) {
        long start = clockMs.getAsLong();
        long pause = firstPauseMs;
        while (true) {
            try {
                return registryCall.get();
            } catch (SerdeException e) {
                if (!e.retryable()) {
                    throw e;
                }
                long left = budgetMs - (clockMs.getAsLong() - start);
                if (left <= 0) {
                    throw e;
                }
                try {
                    sleeper.sleep(Math.min(pause, left));
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
                pause *= 2;
            }
        }
    }
}
