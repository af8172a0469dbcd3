package dev.kembed.stream;

import dev.kembed.engine.queue.EngineHealth;
import dev.kembed.engine.queue.EngineListener;
import dev.kembed.engine.queue.EngineWorkers;
import dev.kembed.engine.queue.WorkClass;
import dev.kembed.engine.WindowResultCache;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;

/**
 * Per-stage metrics: documents in/out, dead letters by reason, supersedes, and per batch: windows,
 * padded and real tokens (padding efficiency), partitions and tasks mixed, queue wait, inference.
 */
public final class PipelineMetrics implements EngineListener {
    private final MeterRegistry registry;
    private final Counter in;
    private final Counter out;
    private final Counter superseded;
    private final Counter tombstones;
    private final Counter recomputed;
    private final Counter chunksOut;
    private final Counter overflow;
    private final Counter engineFailures;
    private final Counter engineDowns;
    private final DistributionSummary windows;
    private final DistributionSummary paddedTokens;
    private final DistributionSummary padding;
    private final DistributionSummary partitions;
    private final DistributionSummary tasks;
    private final Timer queueWait;
    private final Timer inference;
    private final Timer process;
    private final Timer tokenize;
    private final Timer endToEnd;
    private final io.micrometer.core.instrument.Counter windowsComputed;
    private final Counter registryRetries;
    private final Counter workerRestarts;
    private final java.util.concurrent.atomic.AtomicLong parked = new java.util.concurrent.atomic.AtomicLong();
    private final io.micrometer.core.instrument.Counter tokensComputed;

    public PipelineMetrics(MeterRegistry registry) {
        this.registry = registry;
        in = registry.counter("kembed.documents.in");
        out = registry.counter("kembed.documents.out");
        superseded = registry.counter("kembed.documents.superseded");
        tombstones = registry.counter("kembed.documents.tombstones");
        recomputed = Counter.builder("kembed.documents.recomputed").description("documents in flight planned again from their input at a task's "
                + "start because the settings that began them changed (model, precision, prompt, pooling, windows or chunk settings)")
                .register(registry);
        chunksOut = Counter.builder("kembed.chunks.out").description("chunk records written to the chunks topic").register(registry);
        // windows that did not fit the queue within their stream thread's wait budget (they stay pending and go later)
        overflow = registry.counter("kembed.queue.overflow");
        engineFailures = registry.counter("kembed.engine.failures");
        engineDowns = registry.counter("kembed.engine.down.events");
        windows = DistributionSummary.builder("kembed.batch.windows").register(registry);
        paddedTokens = DistributionSummary.builder("kembed.batch.padded.tokens").register(registry);
        padding = DistributionSummary.builder("kembed.batch.padding.efficiency").description("real / padded tokens").register(registry);
        partitions = DistributionSummary.builder("kembed.batch.partitions").description("distinct source partitions per batch").register(registry);
        tasks = DistributionSummary.builder("kembed.batch.tasks").register(registry);
        queueWait = Timer.builder("kembed.batch.queue.wait").register(registry);
        inference = Timer.builder("kembed.batch.inference").register(registry);
        process = Timer.builder("kembed.process.time").description("time a stream thread spends in one process() call").register(registry);
        tokenize = Timer.builder("kembed.tokenize.time").register(registry);
        // what a real-time indexing feed is judged by: input record timestamp to the emit of its embedding
        windowsComputed = registry.counter("kembed.windows.computed");
        tokensComputed = registry.counter("kembed.tokens.computed");
        workerRestarts = Counter.builder("kembed.engine.worker.restarts").description("engine worker threads that died and were replaced")
                .register(registry);
        registryRetries = Counter.builder("kembed.registry.retries").description("decode attempts that found the schema registry unavailable")
                .register(registry);
        io.micrometer.core.instrument.Gauge.builder("kembed.registry.parked.records", parked, java.util.concurrent.atomic.AtomicLong::get)
                .description("input records held until the schema registry answers (delayed, never dead-lettered)").register(registry);
        registry.gauge("kembed.windows.reuse.ratio", this, PipelineMetrics::reuseRatio);
        endToEnd = Timer.builder("kembed.end.to.end.latency").description("input record timestamp to the emit of its document embedding")
                .publishPercentileHistogram().minimumExpectedValue(java.time.Duration.ofMillis(1))
                .maximumExpectedValue(java.time.Duration.ofMinutes(10)).register(registry);
    }

    /** Gauges of the intake bound: the backlog kembed holds, its bounds, and whether fetching is paused. */
    public void watch(IntakeBound intake) {
        io.micrometer.core.instrument.Gauge.builder("kembed.intake.tokens", intake, IntakeBound::tokens)
                .description("tokens of documents consumed and not yet emitted (the backlog in the state directory)").register(registry);
        io.micrometer.core.instrument.Gauge.builder("kembed.intake.max.tokens", intake, b -> (double) b.maxTokens())
                .description("kembed.intake.max.tokens: past it the input is no longer fetched").register(registry);
        io.micrometer.core.instrument.Gauge.builder("kembed.intake.parked.bytes", intake, IntakeBound::parkedBytes)
                .description("bytes of input records parked while the schema registry is unavailable").register(registry);
        io.micrometer.core.instrument.Gauge.builder("kembed.intake.paused", intake, b -> b.paused() ? 1 : 0)
                .description("1 while fetching is paused at the intake bound (the backlog stays in the input topic: consumer lag)")
                .register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("kembed.intake.pauses", intake, IntakeBound::pauses)
                .description("times fetching paused at the intake bound").register(registry);
    }

    /** Gauges of the shared window result cache: its bytes and entries. */
    public void watch(WindowResultCache cache) {
        registry.gauge("kembed.cache.bytes", cache, WindowResultCache::bytes);
        registry.gauge("kembed.cache.entries", cache, WindowResultCache::size);
    }

    /** @param source "document" (the document's previous version) or "cache" (the shared cache) */
    void windowReused(String source, int tokens) {
        registry.counter("kembed.windows.reused", "source", source).increment();
        registry.counter("kembed.tokens.reused", "source", source).increment(tokens);
    }

    void windowComputed(int tokens) {
        windowsComputed.increment();
        tokensComputed.increment(tokens);
    }

    /** Windows reused / all windows admitted since start. */
    public double reuseRatio() {
        double reused = registry.find("kembed.windows.reused").counters().stream().mapToDouble(io.micrometer.core.instrument.Counter::count).sum();
        double all = reused + windowsComputed.count();
        return all == 0 ? 0 : reused / all;
    }

    public double tokensComputed() {
        return tokensComputed.count();
    }

    /** Gauges read from the workers: queued windows, live workers and the engine's ({@link #watchEngine}). */
    public void watch(EngineWorkers workers) {
        registry.gauge("kembed.queue.windows", workers, EngineWorkers::queued);
        registry.gauge("kembed.engine.workers.live", workers, EngineWorkers::liveWorkers);
        watchEngine(registry, workers);
    }

    /**
     * The engine's gauges, for {@code kembed run} and {@code kembed serve} alike: {@code kembed_engine_up}
     * (1 serving, 0 down) and {@code kembed_engine_oldest_call_seconds} (how long the oldest engine
     * call in flight has run, 0 when none: a hang shows as a line that keeps rising).
     */
    public static void watchEngine(MeterRegistry registry, EngineWorkers workers) {
        EngineHealth health = workers.health();
        io.micrometer.core.instrument.Gauge.builder("kembed.engine.up", health, h -> h.up() ? 1 : 0)
                .description("1 while the engine serves, 0 while it is down and work is held")
                .tag("engine", workers.engineInfo().engine()).tag("precision", workers.engineInfo().precision().label())
                .register(registry);
        io.micrometer.core.instrument.Gauge.builder("kembed.engine.oldest.call.seconds", workers, EngineWorkers::oldestCallSeconds)
                .description("how long the oldest engine call in flight has run (0 when none); past kembed.engine.call.timeout.ms it is abandoned")
                .register(registry);
        for (WorkClass c : WorkClass.values()) { // the queries' and the documents' share of the engine (kembed.queue.document.share)
            io.micrometer.core.instrument.FunctionCounter.builder("kembed.engine.seconds", workers, w -> w.engineSeconds(c))
                    .description("seconds the engine spent on calls of queries or documents").tag("class", c.label()).register(registry);
            io.micrometer.core.instrument.FunctionCounter.builder("kembed.engine.padded.tokens", workers, w -> w.enginePaddedTokens(c))
                    .description("padded tokens the engine computed for queries or documents").tag("class", c.label()).register(registry);
        }
    }

    public MeterRegistry registry() {
        return registry;
    }

    void documentIn() {
        in.increment();
    }

    /** @param latencyMs from the input record's Kafka timestamp to this emit; negative when unknown (older state) */
    void chunksOut(int n) {
        chunksOut.increment(n);
    }

    void documentOut(long latencyMs) {
        out.increment();
        if (latencyMs >= 0) {
            endToEnd.record(latencyMs, java.util.concurrent.TimeUnit.MILLISECONDS);
        }
    }

    void registryRetry() {
        registryRetries.increment();
    }

    /** @param delta records parked (positive) or replayed (negative) */
    void parked(long delta) {
        parked.addAndGet(delta);
    }

    public double registryRetries() {
        return registryRetries.count();
    }

    public long parkedRecords() {
        return parked.get();
    }

    void superseded() {
        superseded.increment();
    }

    void recomputed() {
        recomputed.increment();
    }

    void tombstone() {
        tombstones.increment();
    }

    void deadLetter(String reason) {
        registry.counter("kembed.documents.dead.letter", "reason", reason).increment();
    }

    void processNanos(long nanos) {
        process.record(nanos, TimeUnit.NANOSECONDS);
    }

    void tokenizeNanos(long nanos) {
        tokenize.record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void batch(int windowCount, long computedTokens, int realTokens, int partitionCount, int taskCount, long queueWaitNanos, long inferenceNanos) {
        windows.record(windowCount);
        paddedTokens.record((double) computedTokens);
        padding.record(realTokens / Math.max(1.0, (double) computedTokens));
        partitions.record(partitionCount);
        tasks.record(taskCount);
        queueWait.record(queueWaitNanos, TimeUnit.NANOSECONDS);
        inference.record(inferenceNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void overflow() {
        overflow.increment();
    }

    @Override
    public void windowFailed(String reason) {
        engineFailures.increment();
    }

    @Override
    public void workerRestarted() {
        workerRestarts.increment();
    }

    @Override
    public void engineDown(String error) {
        engineDowns.increment();
    }

    @Override
    public void engineHung(String reason) {
        registry.counter("kembed.engine.hung.calls").increment();
    }

    public double documentsOut() {
        return out.count();
    }

    public double maxPartitionsPerBatch() {
        return partitions.max();
    }

    public long batches() {
        return windows.count();
    }

    public double maxProcessMillis() {
        return process.max(TimeUnit.MILLISECONDS);
    }

    public double maxInferenceMillis() {
        return inference.max(TimeUnit.MILLISECONDS);
    }
}
