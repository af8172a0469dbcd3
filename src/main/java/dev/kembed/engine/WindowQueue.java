package dev.kembed.engine;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The engine queue's state and nothing else: admission, length buckets, token budget,
 * round-robin across tasks, cancel. Pure and single-threaded: time comes in as an argument and
 * {@link EngineWorkers} holds the lock, so every rule here is tested without threads or sleeps.
 */
public final class WindowQueue {
    /** A queued window and when it was first queued (kept when it is put back). */
    public record Entry(TaskHandle owner, WindowJob job, long enqueuedNanos) {}

    private final BatchPolicy policy;
    private final int maxQueued;
    /** bucket length -> owner -> that owner's windows; map order is the round-robin order. */
    private final TreeMap<Integer, LinkedHashMap<TaskHandle, ArrayDeque<Entry>>> buckets = new TreeMap<>();
    private int size;

    public WindowQueue(BatchPolicy policy, int maxQueued) {
        if (maxQueued <= 0) {
            throw new IllegalArgumentException("maxQueued must be positive, got " + maxQueued);
        }
        this.policy = policy;
        this.maxQueued = maxQueued;
    }

    public BatchPolicy policy() {
        return policy;
    }

    public int size() {
        return size;
    }

    public boolean hasSpace() {
        return size < maxQueued;
    }

    public void add(TaskHandle owner, WindowJob job, long nowNanos) {
        put(new Entry(owner, job, nowNanos), false);
    }

    /**
     * Puts entries of an interrupted batch (the engine went down under it) back at the front of
     * their owners' queues, in their order, with their first enqueue time: they run first again.
     */
    public void putBack(List<Entry> entries) {
        List<Entry> order = new ArrayList<>(entries);
        java.util.Collections.reverse(order);
        for (Entry e : order) {
            if (!e.owner().closed()) {
                put(e, true);
            }
        }
    }

    private void put(Entry e, boolean front) {
        ArrayDeque<Entry> q = buckets.computeIfAbsent(policy.bucket(e.job().window().length()), b -> new LinkedHashMap<>())
                .computeIfAbsent(e.owner(), o -> new ArrayDeque<>());
        if (front) {
            q.addFirst(e);
        } else {
            q.addLast(e);
        }
        size++;
    }

    /**
     * The next batch if a bucket is ready at {@code now} (full, or its oldest window waited
     * {@code maxWaitMs}); the bucket whose oldest window is oldest goes first. Empty if none is.
     *
     * @param limit most windows to take (the batch is also cut by the policy's capacity)
     */
    public List<Entry> poll(long now, int limit) {
        Integer chosen = null;
        long chosenOldest = Long.MAX_VALUE;
        for (var e : buckets.entrySet()) {
            long oldest = oldest(e.getValue());
            boolean ready = count(e.getValue()) >= policy.capacity(e.getKey()) || deadline(oldest) <= now;
            if (ready && oldest < chosenOldest) {
                chosen = e.getKey();
                chosenOldest = oldest;
            }
        }
        return chosen == null ? List.of() : take(chosen, Math.min(limit, policy.capacity(chosen)));
    }

    /** When the next bucket becomes ready by waiting, or {@link Long#MAX_VALUE} if nothing is queued. */
    public long nextDeadline() {
        long next = Long.MAX_VALUE;
        for (var perOwner : buckets.values()) {
            next = Math.min(next, deadline(oldest(perOwner)));
        }
        return next;
    }

    private long deadline(long enqueued) {
        return enqueued + TimeUnit.MILLISECONDS.toNanos(policy.maxWaitMs());
    }

    private static long oldest(Map<TaskHandle, ArrayDeque<Entry>> perOwner) {
        long oldest = Long.MAX_VALUE;
        for (ArrayDeque<Entry> q : perOwner.values()) {
            for (Entry e : q) {
                oldest = Math.min(oldest, e.enqueuedNanos());
            }
        }
        return oldest;
    }

    private static int count(Map<TaskHandle, ArrayDeque<Entry>> perOwner) {
        int n = 0;
        for (ArrayDeque<Entry> q : perOwner.values()) {
            n += q.size();
        }
        return n;
    }

    /** Round-robin over owners, each owner's oldest window first. */
    private List<Entry> take(int bucket, int capacity) {
        LinkedHashMap<TaskHandle, ArrayDeque<Entry>> perOwner = buckets.get(bucket);
        List<Entry> batch = new ArrayList<>(capacity);
        while (batch.size() < capacity && !perOwner.isEmpty()) {
            for (TaskHandle owner : new ArrayList<>(perOwner.keySet())) {
                if (batch.size() >= capacity) {
                    break;
                }
                ArrayDeque<Entry> q = perOwner.remove(owner);
                batch.add(q.pollFirst());
                if (!q.isEmpty()) {
                    perOwner.put(owner, q); // to the back: the next batch starts with someone else
                }
            }
        }
        if (perOwner.isEmpty()) {
            buckets.remove(bucket);
        }
        size -= batch.size();
        return batch;
    }

    /** Drops one document's queued windows (superseded or deleted); returns how many. */
    public int cancel(TaskHandle owner, String docId) {
        int removed = 0;
        for (var perOwner : buckets.values()) {
            ArrayDeque<Entry> q = perOwner.get(owner);
            if (q != null) {
                int before = q.size();
                q.removeIf(x -> x.job().docId().equals(docId));
                removed += before - q.size();
                if (q.isEmpty()) {
                    perOwner.remove(owner);
                }
            }
        }
        buckets.values().removeIf(Map::isEmpty);
        size -= removed;
        return removed;
    }

    /** Drops a closed or migrated task's windows; returns how many. */
    public int abandon(TaskHandle owner) {
        int removed = 0;
        for (var perOwner : buckets.values()) {
            ArrayDeque<Entry> q = perOwner.remove(owner);
            if (q != null) {
                removed += q.size();
            }
        }
        buckets.values().removeIf(Map::isEmpty);
        size -= removed;
        return removed;
    }

    public void clear() {
        buckets.clear();
        size = 0;
    }
}
