package dev.kembed.stream;

import dev.kembed.serde.RegistrySettings;

/**
 * What the topology needs besides the window plan and the engine queue, typed (the app's config
 * layer validates it).
 *
 * @param chunks          the chunks topic and how chunks are cut and embedded, or null for none
 * @param drainIntervalMs how often a task drains its completions with idle input (wall clock)
 * @param reuseWindows    reuse the result of a window whose identity is unchanged (own previous version, shared cache)
 * @param cacheMaxBytes   size of the per-process window result cache shared by all tasks (0 = off)
 * @param intakeMaxTokens tokens of documents in flight (consumed, not emitted) per process before fetching pauses ({@link IntakeBound})
 * @param parkedMaxBytes  bytes of input parked during a registry outage per process before fetching pauses
 * @param limits          what bounds the records kembed writes
 */
public record PipelineSettings(
        String inputTopic,
        String outputTopic,
        String dlqTopic,
        ChunkOutput chunks,
        InputFormat inputFormat,
        int inputMaxChars,
        RegistrySettings registry,
        long drainIntervalMs,
        boolean reuseWindows,
        long cacheMaxBytes,
        long intakeMaxTokens,
        long parkedMaxBytes,
        RecordLimits limits) {

    /** With the default {@link RecordLimits}, no topic sizes known and no intake bound. */
    public PipelineSettings(String inputTopic, String outputTopic, String dlqTopic, ChunkOutput chunks, InputFormat inputFormat, int inputMaxChars,
            RegistrySettings registry, long drainIntervalMs, boolean reuseWindows, long cacheMaxBytes) {
        this(inputTopic, outputTopic, dlqTopic, chunks, inputFormat, inputMaxChars, registry, drainIntervalMs, reuseWindows, cacheMaxBytes,
                Long.MAX_VALUE, Long.MAX_VALUE, RecordLimits.DEFAULTS);
    }

    /** These settings with {@code limits} (the topics' sizes, read at start-up). */
    public PipelineSettings withLimits(RecordLimits limits) {
        return new PipelineSettings(inputTopic, outputTopic, dlqTopic, chunks, inputFormat, inputMaxChars, registry, drainIntervalMs, reuseWindows,
                cacheMaxBytes, intakeMaxTokens, parkedMaxBytes, limits);
    }
}
