package dev.kembed.engine;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Window results by {@link WindowIdentity}, shared by every task of the process, bounded in bytes,
 * least recently used out first. It is only a cache: it starts empty after a restart, and nothing
 * depends on a hit for correctness, since an identity fixes the result. Only pooled results
 * (cls, sum, count) are kept; token states never are.
 */
public final class WindowResultCache {
    private static final int ENTRY_OVERHEAD = 96; // key string, map entry and array headers, roughly

    private final long maxBytes;
    private final LinkedHashMap<String, WindowResult> entries = new LinkedHashMap<>(1024, 0.75f, true);
    private long bytes;
    private long hits;
    private long misses;

    /** @param maxBytes 0 turns the cache off */
    public WindowResultCache(long maxBytes) {
        if (maxBytes < 0) {
            throw new IllegalArgumentException("cache size must be >= 0, got " + maxBytes);
        }
        this.maxBytes = maxBytes;
    }

    public boolean enabled() {
        return maxBytes > 0;
    }

    public synchronized WindowResult get(String identity) {
        if (!enabled()) {
            return null;
        }
        WindowResult r = entries.get(identity);
        if (r == null) {
            misses++;
        } else {
            hits++;
        }
        return r;
    }

    public synchronized void put(String identity, WindowResult result) {
        if (!enabled()) {
            return;
        }
        WindowResult pooled = result.tokenStates() == null ? result : new WindowResult(result.cls(), result.sum(), result.count(), null);
        long size = size(identity, pooled);
        if (size > maxBytes) {
            return;
        }
        WindowResult old = entries.put(identity, pooled);
        bytes += size - (old == null ? 0 : size(identity, old));
        var it = entries.entrySet().iterator();
        while (bytes > maxBytes && it.hasNext()) {
            Map.Entry<String, WindowResult> eldest = it.next();
            bytes -= size(eldest.getKey(), eldest.getValue());
            it.remove();
        }
    }

    public synchronized long bytes() {
        return bytes;
    }

    public synchronized int size() {
        return entries.size();
    }

    public synchronized long hits() {
        return hits;
    }

    public synchronized long misses() {
        return misses;
    }

    private static long size(String identity, WindowResult r) {
        return ENTRY_OVERHEAD + identity.length() * 2L + (long) (r.cls().length + r.sum().length) * 4;
    }
}
