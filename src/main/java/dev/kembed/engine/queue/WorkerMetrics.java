package dev.kembed.engine.queue;

import java.util.HashSet;
import java.util.Set;
import org.slf4j.Logger;

/**
 * What the workers tell their {@link EngineListener}, so that metrics never cost a result: a
 * listener that throws is logged and ignored. One {@link EngineListener#batch} per engine call,
 * with the windows' partitions, owners, real tokens and the oldest window's wait.
 */
final class WorkerMetrics {
    private static final Logger LOG = WorkerLog.LOG;

    private final EngineListener listener;
    private final EngineClock clock;
    private final EngineTime time = new EngineTime();

    WorkerMetrics(EngineListener listener, EngineClock clock) {
        this.listener = listener;
        this.clock = clock;
    }

    void ran(BatchRunner.Ran ran) {
        time.add(WorkClass.of(ran.entries().get(0).owner()), ran.callNanos(), ran.paddedTokens());
        quietly(() -> report(ran));
    }

    EngineTime time() {
        return time;
    }

    void windowFailed(String reason) {
        quietly(() -> listener.windowFailed(reason));
    }

    void priorityWait(long nanos) {
        quietly(() -> listener.priorityWait(nanos));
    }

    void engineDown(String error) {
        quietly(() -> listener.engineDown(error));
    }

    void engineUp() {
        quietly(listener::engineUp);
    }

    void engineHung(String reason) {
        quietly(() -> listener.engineHung(reason));
    }

    void engineGaveUp(String reason) {
        quietly(() -> listener.engineGaveUp(reason));
    }

    private void report(BatchRunner.Ran ran) {
        Set<Integer> partitions = new HashSet<>();
        Set<TaskHandle> owners = new HashSet<>();
        long oldest = Long.MAX_VALUE;
        int realTokens = 0;
        for (WindowQueue.Entry e : ran.entries()) {
            partitions.add(e.job().partition());
            owners.add(e.owner());
            oldest = Math.min(oldest, e.enqueuedNanos());
            realTokens += e.job().window().length();
        }
        listener.batch(ran.entries().size(), ran.result().computedTokens(), realTokens, partitions.size(), owners.size(),
                clock.nanoTime() - oldest, ran.result().inferenceNanos());
    }

    private static void quietly(Runnable r) {
        try {
            r.run();
        } catch (Throwable e) {
            LOG.warn("engine listener failed: {}", e.toString());
        }
    }
}
