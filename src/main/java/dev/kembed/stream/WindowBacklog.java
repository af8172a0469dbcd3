package dev.kembed.stream;

import dev.kembed.engine.queue.EngineWorkers;
import dev.kembed.engine.queue.TaskHandle;
import dev.kembed.engine.queue.WaitBudget;
import dev.kembed.engine.queue.WindowJob;
import java.util.ArrayDeque;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * A task's pending windows not yet in the engine queue, in admission order: where to find each
 * (the windows themselves stay in the pending store). Filled at admission and at recovery, drained
 * as the queue has space, so a full queue slows intake while the stream thread never waits past
 * its budget.
 */
final class WindowBacklog {
    /** A pending window's store key and the job fields the store value does not hold. */
    private record Backlogged(String key, String docId, long generation, int partition) {}

    private final ArrayDeque<Backlogged> backlog = new ArrayDeque<>();
    private final EngineWorkers queue;
    private final TaskHandle handle;
    private final KeyValueStore<String, PendingWindow> pending;

    WindowBacklog(EngineWorkers queue, TaskHandle handle, KeyValueStore<String, PendingWindow> pending) {
        this.queue = queue;
        this.handle = handle;
        this.pending = pending;
    }

    void add(String key, String docId, long generation, int partition) {
        backlog.addLast(new Backlogged(key, docId, generation, partition));
    }

    /** Offers backlog windows in order while they fit (waiting while {@code budget} lasts); stops at the first that does not. */
    void submit(WaitBudget budget) {
        while (!backlog.isEmpty()) {
            Backlogged b = backlog.peekFirst();
            PendingWindow w = pending.get(b.key());
            if (w != null) {
                WindowJob job = new WindowJob(b.docId(), b.generation(), w.index(), w.toEngineWindow(), b.partition());
                if (!queue.offer(handle, job, budget)) {
                    return;
                }
            }
            backlog.pollFirst(); // submitted, or gone from the store meanwhile
        }
    }

    /** Drops a superseded or deleted document's windows: those queued and those still waiting here. */
    void drop(String docId) {
        queue.cancel(handle, docId);
        backlog.removeIf(b -> b.docId().equals(docId));
    }

    int size() {
        return backlog.size();
    }
}
