package dev.kembed.app.config;

import java.util.Map;

/**
 * Keys kembed no longer reads. Setting one, in the file or the environment, fails start-up with
 * what to set instead: ignored, it would silently change what a deployment writes.
 */
public final class RemovedKeys {
    /**
     * The per-window chunk records' topic: it wrote them under the old windows topic's subject, which
     * a registry enforcing compatibility refused (409) on every start.
     */
    static final String WINDOWS_TOPIC = "kembed.windows.topic";

    private static final Map<String, String> INSTEAD = Map.of(WINDOWS_TOPIC,
            "set " + ChunksConfig.CHUNKS_TOPIC + " with " + ChunksConfig.CHUNK_MAX_TOKENS + "=0 (one chunk record per window, key <id>#<index>, "
                    + "schema chunk_embedding.avsc under the chunks topic's own subject)");

    private RemovedKeys() {}

    public static boolean removed(String key) {
        return INSTEAD.containsKey(key);
    }

    /** The start-up error for a removed {@code key}, naming what replaces it. */
    public static String error(String key) {
        return key + " was removed in this release: " + INSTEAD.get(key);
    }
}
