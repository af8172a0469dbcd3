package dev.kembed.http;

import dev.kembed.engine.queue.EngineListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;

/**
 * The routes' metrics: {@code kembed_http_requests_total{route,status}},
 * {@code kembed_http_request_seconds{route}} (histogram) and {@code kembed_http_queue_wait_seconds}
 * (how long query windows waited for the engine; the workers report it), and
 * {@code kembed_http_refused_body_bytes_total} (bytes of refused bodies read only to be dropped).
 */
public final class HttpMetrics implements EngineListener {
    private final MeterRegistry registry;
    private final Timer queueWait;
    private final Counter refusedBodyBytes;

    public HttpMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.queueWait = Timer.builder("kembed_http_queue_wait").description("Time query windows waited in the engine queue's priority lane")
                .publishPercentileHistogram().register(registry);
        this.refusedBodyBytes = Counter.builder("kembed_http_refused_body_bytes").description("Bytes of refused request bodies (401, 413) "
                + "read and dropped so that their clients, still sending, could read the refusal").register(registry);
    }

    void request(String route, int status, long nanos) {
        Counter.builder("kembed_http_requests").description("HTTP requests by route and status").tag("route", route)
                .tag("status", Integer.toString(status)).register(registry).increment();
        Timer.builder("kembed_http_request").description("HTTP request latency by route").tag("route", route).publishPercentileHistogram()
                .register(registry).record(nanos, TimeUnit.NANOSECONDS);
    }

    void refusedBodyBytes(long bytes) {
        refusedBodyBytes.increment(bytes);
    }

    public MeterRegistry registry() {
        return registry;
    }

    @Override
    public void batch(int windows, long computedTokens, int realTokens, int partitions, int tasks, long queueWaitNanos, long inferenceNanos) {
        // engine batches are the stream's metrics (PipelineMetrics); here only the query lane's wait
    }

    @Override
    public void priorityWait(long nanos) {
        queueWait.record(nanos, TimeUnit.NANOSECONDS);
    }
}
