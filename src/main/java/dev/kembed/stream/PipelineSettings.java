package dev.kembed.stream;

import dev.kembed.engine.BatchPolicy;

/**
 * Everything the topology and its engine queue need, typed (the app's config layer validates it).
 *
 * @param windowsTopic      optional per-window output topic, or null
 * @param drainIntervalMs   how often a task drains its completions with idle input (wall clock)
 * @param queueMaxWindows   windows queued across the process before submitters wait
 * @param queueMaxBlockMs   the longest a submitter waits for space
 */
public record PipelineSettings(
        String inputTopic,
        String outputTopic,
        String dlqTopic,
        String windowsTopic,
        InputFormat inputFormat,
        int inputMaxChars,
        String registryUrl,
        EmbeddingSettings embedding,
        BatchPolicy batch,
        int queueMaxWindows,
        long queueMaxBlockMs,
        int engineThreads,
        int engineRetries,
        long engineRetryBackoffMs,
        long drainIntervalMs) {}
