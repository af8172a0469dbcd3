package dev.kembed.stream;

import dev.kembed.engine.queue.EngineWorkers;
import dev.kembed.engine.queue.WaitBudget;

/**
 * The stream thread's wait budget for queue space: one {@code kembed.queue.max.block.ms} per
 * poll of the main consumer ({@link PollCycle}), shared by every {@code process()} and
 * {@code init()} of every task the thread runs until its next poll. Kafka Streams restores all
 * of a thread's new tasks, and processes many records, between two polls; a budget per call
 * would let those waits add up past {@code max.poll.interval.ms} and fence the thread.
 * Thread-confined: each stream thread has its own.
 */
final class AdmissionBudget {
    private final EngineWorkers queue;
    private final ThreadLocal<Slot> slots = ThreadLocal.withInitial(Slot::new);

    private static final class Slot {
        long poll = -1;
        WaitBudget budget;
    }

    AdmissionBudget(EngineWorkers queue) {
        this.queue = queue;
    }

    /** What the calling stream thread may still wait before its next poll (refilled after each). */
    WaitBudget current() {
        Slot s = slots.get();
        long poll = PollCycle.polls();
        if (s.poll != poll) {
            s.poll = poll;
            s.budget = queue.admissionBudget();
        }
        return s.budget;
    }
}
