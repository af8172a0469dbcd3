package dev.kembed.engine.queue;

import dev.kembed.engine.EngineException;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Lets windows into the queue: at once when there is space (a query's window always), else after
 * waiting for space while the submitter's {@link WaitBudget} lasts. Nothing is queued past the
 * queue's bound: a window that did not fit stays with its submitter, who offers it again later.
 */
final class Admission {
    private final GuardedQueue shared;
    private final EngineClock clock;
    private final EngineListener listener;
    private final BatchDelivery delivery;
    private final long maxBlockNanos;

    /** @param maxBlockMs how long a stream thread may wait for queue space between two polls */
    Admission(GuardedQueue shared, EngineClock clock, EngineListener listener, BatchDelivery delivery, long maxBlockMs) {
        this.shared = shared;
        this.clock = clock;
        this.listener = listener;
        this.delivery = delivery;
        this.maxBlockNanos = TimeUnit.MILLISECONDS.toNanos(maxBlockMs);
    }

    WaitBudget budget() {
        return WaitBudget.ofNanos(maxBlockNanos);
    }

    /**
     * Queues a query's windows in the lane, all or none: true when they went in (or one could not be
     * placed and failed, delivered to the owner); false, at once, when the lane already holds padded
     * tokens and these would take it past {@code maxLaneTokens}. An empty lane takes any query, so
     * a query larger than the bound runs alone rather than never.
     *
     * @throws EngineException (retryable) when the workers are closing
     */
    boolean offerQuery(TaskHandle owner, List<WindowJob> jobs, long maxLaneTokens) {
        if (owner.closed()) {
            return true;
        }
        BatchPolicy policy = shared.queue().policy();
        long need = 0;
        for (WindowJob job : jobs) {
            try {
                need += policy.bucket(job.window().length());
            } catch (EngineException e) {
                delivery.fail(owner, job, e);
                return true;
            }
        }
        shared.lock();
        try {
            if (shared.closing()) {
                throw EngineException.transientFailure("the engine is shutting down", null);
            }
            WindowQueue queue = shared.queue();
            if (queue.laneTokens() > 0 && queue.laneTokens() + need > maxLaneTokens) {
                return false;
            }
            long now = clock.nanoTime();
            for (WindowJob job : jobs) {
                queue.add(owner, job, now);
            }
            shared.signalWork();
            return true;
        } finally {
            shared.unlock();
        }
    }

    /** Queues {@code job} if it fits within {@code budget}; false leaves it with its owner. An unplaceable window fails as handled (true). */
    boolean offer(TaskHandle owner, WindowJob job, WaitBudget budget) {
        if (owner.closed()) {
            return true;
        }
        try {
            shared.queue().policy().bucket(job.window().length());
        } catch (EngineException e) {
            delivery.fail(owner, job, e);
            return true;
        }
        shared.lock();
        try {
            WindowQueue queue = shared.queue();
            boolean fits = owner.priority() || queue.hasSpace();
            while (!fits && !shared.closing() && budget.remainingNanos() > 0) {
                long before = budget.remainingNanos();
                long left = clock.awaitNanos(shared.space(), before);
                budget.spend(before - Math.max(0, left));
                fits = queue.hasSpace();
            }
            if (!fits || shared.closing()) {
                listener.overflow();
                return false;
            }
            queue.add(owner, job, clock.nanoTime());
            shared.signalWork();
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            shared.unlock();
        }
    }
}
