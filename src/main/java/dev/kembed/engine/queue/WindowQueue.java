package dev.kembed.engine.queue;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The engine queue's state and nothing else: admission, length buckets, token budget, the
 * {@link SchedulingPolicy}, round-robin across tasks, cancel. Pure and single-threaded: time comes
 * in as an argument and {@link EngineWorkers} holds the lock, so every rule here is tested without
 * threads or sleeps.
 *
 * <p>A bucket is ready when it can fill a batch or its oldest window has waited the policy's
 * {@code maxWaitMs}. Among the ready buckets, {@link SchedulingPolicy#FIFO} serves the one whose
 * oldest window is oldest; {@link SchedulingPolicy#SHORTEST_FIRST} serves the window whose
 * document has the fewest tokens queued (ties by age), unless some window has waited
 * {@code maxDelay}: then the oldest of them, in whichever bucket, goes first, in turns with the
 * shortest work that has not waited that long (turns alternate by what the turn was, whatever
 * filler its batch took). A long document admitted at once starves all at once, and served back to
 * back its windows would hold every short document for their whole length; in turns, a short one
 * waits at most for the batch in flight and one starving batch, and the oldest starved window at
 * most for one batch of shortest work. Inside a batch, windows follow the same order, with
 * round-robin across tasks breaking the remaining ties.
 *
 * <p>Windows of priority owners (queries, {@link TaskHandle#priority()}) wait in a lane of their
 * own: it is always ready and served first, except that documents keep a share of the engine
 * under a query flood ({@link DocumentShare}: with a query waiting and a document batch ready, the
 * documents' batch goes when they are owed; with the default share of 0.2 a query waits at most
 * for the batches in flight and one full document batch). The lane is outside the document bound
 * ({@link #hasSpace()}); its padded tokens are counted ({@link #laneTokens()}) so that its
 * submitter can bound it ({@link QueryLane}).
 */
public final class WindowQueue {
    /** A queued window and when it was first queued (kept when it is put back). */
    public record Entry(TaskHandle owner, WindowJob job, long enqueuedNanos) {}

    private record DocKey(TaskHandle owner, String docId) {}

    private final BatchPolicy policy;
    private final int maxQueued;
    private final SchedulingPolicy scheduling;
    private final long maxDelayNanos;
    /** bucket length -> owner -> that owner's windows; map order is the round-robin order. */
    private final TreeMap<Integer, LinkedHashMap<TaskHandle, ArrayDeque<Entry>>> buckets = new TreeMap<>();
    /** The priority lane, laid out like {@link #buckets}. */
    private final TreeMap<Integer, LinkedHashMap<TaskHandle, ArrayDeque<Entry>>> lane = new TreeMap<>();
    private int laneSize;
    /** Padded tokens queued in the lane (bucket length per window: what the engine will compute). */
    private long laneTokens;
    private final DocumentShare share;
    /** Tokens queued per document: its remaining engine work, as far as the queue holds it. */
    private final Map<DocKey, Long> queuedTokens = new HashMap<>();
    private int size;
    /**
     * Shortest-first: the last turn was a starving turn, so the next goes to the shortest work. What
     * the turn was, not what its batch held: a starved window riding along as filler in the
     * shortest work's batch must not count as a starving turn, or a bucket whose every batch
     * carries one would pass over the oldest starved window of another bucket for as long as its
     * overload lasts.
     */
    private boolean lastTurnStarving;

    /** A FIFO queue (today's order); tests of batching rules that do not depend on the policy. */
    public WindowQueue(BatchPolicy policy, int maxQueued) {
        this(policy, maxQueued, SchedulingPolicy.FIFO, Long.MAX_VALUE);
    }

    /** Queries always first (a document share of 0). */
    public WindowQueue(BatchPolicy policy, int maxQueued, SchedulingPolicy scheduling, long maxDelayMs) {
        this(policy, maxQueued, scheduling, maxDelayMs, 0);
    }

    /**
     * @param maxDelayMs    a window that waited this long goes first under shortest-first ({@code Long.MAX_VALUE} = never)
     * @param documentShare documents' share of the engine while queries and documents both wait, 0 to 1 ({@link DocumentShare})
     */
    public WindowQueue(BatchPolicy policy, int maxQueued, SchedulingPolicy scheduling, long maxDelayMs, double documentShare) {
        if (maxQueued <= 0) {
            throw new IllegalArgumentException("maxQueued must be positive, got " + maxQueued);
        }
        if (maxDelayMs < policy.maxWaitMs()) {
            throw new IllegalArgumentException("the starvation bound (" + maxDelayMs + " ms) must be at least the batch wait ("
                    + policy.maxWaitMs() + " ms)");
        }
        this.policy = policy;
        this.maxQueued = maxQueued;
        this.scheduling = scheduling;
        this.maxDelayNanos = maxDelayMs == Long.MAX_VALUE ? Long.MAX_VALUE : TimeUnit.MILLISECONDS.toNanos(maxDelayMs);
        this.share = new DocumentShare(documentShare);
    }

    public SchedulingPolicy scheduling() {
        return scheduling;
    }

    public BatchPolicy policy() {
        return policy;
    }

    /** Document windows queued (the priority lane is not counted). */
    public int size() {
        return size;
    }

    /** Priority (query) windows queued. */
    public int prioritySize() {
        return laneSize;
    }

    /** Padded tokens of the query windows queued (bucket length each): what the lane holds ahead of a new query. */
    public long laneTokens() {
        return laneTokens;
    }

    /** Documents' share of contended engine work (0: queries always first). */
    public double documentShare() {
        return share.share();
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
        Collections.reverse(order);
        for (Entry e : order) {
            if (!e.owner().closed()) {
                put(e, true);
            }
        }
    }

    private void put(Entry e, boolean front) {
        ArrayDeque<Entry> q = (e.owner().priority() ? lane : buckets).computeIfAbsent(policy.bucket(e.job().window().length()), b -> new LinkedHashMap<>())
                .computeIfAbsent(e.owner(), o -> new ArrayDeque<>());
        if (front) {
            q.addFirst(e);
        } else {
            q.addLast(e);
        }
        if (e.owner().priority()) {
            laneSize++;
            laneTokens += padded(e);
            return;
        }
        queuedTokens.merge(new DocKey(e.owner(), e.job().docId()), (long) e.job().window().length(), Long::sum);
        size++;
    }

    /** Tokens of this document still queued (0 when none). */
    public long queuedTokens(TaskHandle owner, String docId) {
        return queuedTokens.getOrDefault(new DocKey(owner, docId), 0L);
    }

    private long padded(Entry e) {
        return policy.bucket(e.job().window().length());
    }

    private long padded(List<Entry> batch) {
        long n = 0;
        for (Entry e : batch) {
            n += padded(e);
        }
        return n;
    }

    private void removed(Entry e) {
        if (e.owner().priority()) {
            laneTokens -= padded(e);
            return;
        }
        DocKey k = new DocKey(e.owner(), e.job().docId());
        long left = queuedTokens.getOrDefault(k, 0L) - e.job().window().length();
        if (left <= 0) {
            queuedTokens.remove(k);
        } else {
            queuedTokens.put(k, left);
        }
    }

    /**
     * The next batch: queries first, at once, unless a document batch is ready and documents are
     * owed their share ({@link DocumentShare}); else the documents' batch if a bucket is ready at
     * {@code now} (full, or its oldest window waited {@code maxWaitMs}), chosen and ordered by the
     * scheduling policy. Empty if none is ready.
     *
     * @param limit most windows to take (the batch is also cut by the policy's capacity)
     */
    public List<Entry> poll(long now, int limit) {
        if (lane.isEmpty()) {
            return pollDocuments(now, limit); // documents alone: nobody is owed anything
        }
        boolean documentsReady = documentsReady(now);
        if (documentsReady && share.documentsOwed()) {
            List<Entry> batch = pollDocuments(now, limit);
            share.documentsRan(padded(batch));
            return batch;
        }
        List<Entry> batch = pollLane(limit);
        if (documentsReady) {
            share.queriesRan(padded(batch));
        }
        return batch;
    }

    /** The lane's batch: the bucket holding the oldest query window, its owners round-robin. */
    private List<Entry> pollLane(int limit) {
        Integer first = null;
        long firstAt = Long.MAX_VALUE;
        for (var e : lane.entrySet()) {
            long oldest = oldest(e.getValue());
            if (oldest < firstAt) {
                first = e.getKey();
                firstAt = oldest;
            }
        }
        return take(lane, first, Math.min(limit, policy.capacity(first)));
    }

    /** Whether some document bucket is ready at {@code now}: full, or its oldest window waited the batch wait. */
    private boolean documentsReady(long now) {
        for (var e : buckets.entrySet()) {
            if (ready(e.getKey(), e.getValue(), now)) {
                return true;
            }
        }
        return false;
    }

    private boolean ready(int bucket, Map<TaskHandle, ArrayDeque<Entry>> perOwner, long now) {
        return count(perOwner) >= policy.capacity(bucket) || deadline(oldest(perOwner)) <= now;
    }

    /** The documents' next batch by the scheduling policy; empty if no bucket is ready. */
    private List<Entry> pollDocuments(long now, int limit) {
        Integer chosen = null;
        long chosenOldest = Long.MAX_VALUE;
        Entry starving = null;
        Entry fresh = null; // the shortest work among the windows that have not waited the bound
        for (var e : buckets.entrySet()) {
            long oldest = oldest(e.getValue());
            if (!ready(e.getKey(), e.getValue(), now)) {
                continue;
            }
            if (scheduling == SchedulingPolicy.FIFO) {
                if (oldest < chosenOldest) {
                    chosen = e.getKey();
                    chosenOldest = oldest;
                }
                continue;
            }
            for (ArrayDeque<Entry> q : e.getValue().values()) {
                for (Entry x : q) {
                    if (starved(x, now)) {
                        if (starving == null || x.enqueuedNanos() < starving.enqueuedNanos()) {
                            starving = x;
                        }
                    } else if (fresh == null || compareWork(x, fresh) < 0) {
                        fresh = x;
                    }
                }
            }
        }
        if (scheduling == SchedulingPolicy.SHORTEST_FIRST) {
            boolean starvingTurn = starving != null && (fresh == null || !lastTurnStarving);
            Entry first = starvingTurn ? starving : fresh;
            if (first == null) {
                return List.of();
            }
            int bucket = policy.bucket(first.job().window().length());
            List<Entry> batch = takeByWork(bucket, Math.min(limit, policy.capacity(bucket)), now, starvingTurn);
            lastTurnStarving = starvingTurn;
            return batch;
        }
        return chosen == null ? List.of() : take(buckets, chosen, Math.min(limit, policy.capacity(chosen)));
    }

    private boolean starved(Entry x, long now) {
        return now - x.enqueuedNanos() >= maxDelayNanos;
    }

    /** Shortest-first order: fewer queued tokens of the window's document first, then the older window. */
    private int compareWork(Entry a, Entry b) {
        int c = Long.compare(queuedTokens(a.owner(), a.job().docId()), queuedTokens(b.owner(), b.job().docId()));
        return c != 0 ? c : Long.compare(a.enqueuedNanos(), b.enqueuedNanos());
    }

    /**
     * Up to {@code capacity} windows of one bucket: on a starving turn starving windows (oldest
     * first), then by {@link #compareWork}; otherwise the windows that have not starved by
     * {@link #compareWork} first. The owners' round-robin order breaks what ties remain; owners that
     * gave a window move to the back of the round-robin order.
     */
    private List<Entry> takeByWork(int bucket, int capacity, long now, boolean starvingFirst) {
        LinkedHashMap<TaskHandle, ArrayDeque<Entry>> perOwner = buckets.get(bucket);
        Map<TaskHandle, Integer> rank = new HashMap<>();
        List<Entry> all = new ArrayList<>();
        for (var e : perOwner.entrySet()) {
            rank.put(e.getKey(), rank.size());
            all.addAll(e.getValue());
        }
        Comparator<Entry> order = (a, b) -> {
            boolean sa = starved(a, now);
            boolean sb = starved(b, now);
            if (sa != sb) {
                return sa == starvingFirst ? -1 : 1;
            }
            int c = sa ? Long.compare(a.enqueuedNanos(), b.enqueuedNanos()) : compareWork(a, b);
            return c != 0 ? c : Integer.compare(rank.get(a.owner()), rank.get(b.owner()));
        };
        all.sort(order);
        List<Entry> batch = new ArrayList<>(all.subList(0, Math.min(capacity, all.size())));
        Set<TaskHandle> gave = new LinkedHashSet<>();
        for (Entry x : batch) {
            ArrayDeque<Entry> q = perOwner.get(x.owner());
            q.remove(x);
            removed(x);
            gave.add(x.owner());
        }
        for (TaskHandle owner : gave) {
            ArrayDeque<Entry> q = perOwner.remove(owner);
            if (!q.isEmpty()) {
                perOwner.put(owner, q); // to the back: the next tie goes to someone else
            }
        }
        return taken(buckets, bucket, batch);
    }

    /** Bookkeeping after {@code batch} left {@code bucket} of {@code from}: an emptied bucket goes, the size shrinks. */
    private List<Entry> taken(TreeMap<Integer, LinkedHashMap<TaskHandle, ArrayDeque<Entry>>> from, int bucket, List<Entry> batch) {
        if (from.get(bucket).isEmpty()) {
            from.remove(bucket);
        }
        if (from == lane) {
            laneSize -= batch.size();
        } else {
            size -= batch.size();
        }
        return batch;
    }

    /**
     * When the next bucket becomes ready by waiting, or {@link Long#MAX_VALUE} if nothing is
     * queued; a queued query is ready already (its enqueue time, never later than now).
     */
    public long nextDeadline() {
        long next = Long.MAX_VALUE;
        for (var perOwner : lane.values()) {
            next = Math.min(next, oldest(perOwner));
        }
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
    private List<Entry> take(TreeMap<Integer, LinkedHashMap<TaskHandle, ArrayDeque<Entry>>> from, int bucket, int capacity) {
        LinkedHashMap<TaskHandle, ArrayDeque<Entry>> perOwner = from.get(bucket);
        List<Entry> batch = new ArrayList<>(capacity);
        while (batch.size() < capacity && !perOwner.isEmpty()) {
            for (TaskHandle owner : new ArrayList<>(perOwner.keySet())) {
                if (batch.size() >= capacity) {
                    break;
                }
                ArrayDeque<Entry> q = perOwner.remove(owner);
                Entry taken = q.pollFirst();
                removed(taken);
                batch.add(taken);
                if (!q.isEmpty()) {
                    perOwner.put(owner, q); // to the back: the next batch starts with someone else
                }
            }
        }
        return taken(from, bucket, batch);
    }

    /** Drops one document's queued windows (superseded or deleted); returns how many. */
    public int cancel(TaskHandle owner, String docId) {
        var from = owner.priority() ? lane : buckets;
        int removed = 0;
        for (var perOwner : from.values()) {
            ArrayDeque<Entry> q = perOwner.get(owner);
            if (q != null) {
                int before = q.size();
                q.removeIf(x -> {
                    boolean drop = x.job().docId().equals(docId);
                    if (drop && owner.priority()) {
                        laneTokens -= padded(x);
                    }
                    return drop;
                });
                removed += before - q.size();
                queuedTokens.remove(new DocKey(owner, docId));
                if (q.isEmpty()) {
                    perOwner.remove(owner);
                }
            }
        }
        from.values().removeIf(Map::isEmpty);
        shrink(owner, removed);
        return removed;
    }

    private void shrink(TaskHandle owner, int removed) {
        if (owner.priority()) {
            laneSize -= removed;
        } else {
            size -= removed;
        }
    }

    /** Drops a closed or migrated task's (or a finished query's) windows; returns how many. */
    public int abandon(TaskHandle owner) {
        var from = owner.priority() ? lane : buckets;
        int removed = 0;
        for (var perOwner : from.values()) {
            ArrayDeque<Entry> q = perOwner.remove(owner);
            if (q != null) {
                removed += q.size();
                q.forEach(this::removed);
            }
        }
        from.values().removeIf(Map::isEmpty);
        shrink(owner, removed);
        return removed;
    }

    public void clear() {
        buckets.clear();
        lane.clear();
        queuedTokens.clear();
        size = 0;
        laneSize = 0;
        laneTokens = 0;
    }
}
