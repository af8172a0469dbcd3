package dev.kembed.app;

import dev.kembed.app.config.HttpConfig;
import dev.kembed.engine.queue.EngineWorkers;
import dev.kembed.http.HttpMetrics;
import dev.kembed.http.QueryApi;
import dev.kembed.http.WebServer;
import dev.kembed.stream.PipelineMetrics;
import dev.kembed.text.WindowPlan;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code kembed serve}: the query routes alone, without Kafka: the model on its engine, the engine
 * queue and its workers, and one HTTP server with the routes, {@code /metrics} and {@code /health}.
 * Built from the same configuration as {@code kembed run}, so both embed by the same window plan.
 */
public final class QueryServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(QueryServer.class);

    private final EngineStack stack;
    private final WebServer web;
    private final AutoCloseable jvmMetrics;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    private QueryServer(EngineStack stack, WebServer web, AutoCloseable jvmMetrics) {
        this.stack = stack;
        this.web = web;
        this.jvmMetrics = jvmMetrics;
    }

    /** @param port where to listen ({@code kembed.http.port}; 0 = any free port, see {@link #port()}) */
    public static QueryServer start(KembedConfig cfg, Path dataDir, int port) {
        EngineStack stack = EngineStack.open(cfg, cfg.engineSpec(dataDir));
        AutoCloseable jvm = null;
        try {
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            HttpMetrics metrics = new HttpMetrics(registry);
            EngineWorkers workers = stack.startWorkers(metrics);
            PipelineMetrics.watchEngine(registry, workers);
            jvm = KembedApp.bindJvmMetrics(registry);
            QueryApi api = stack.queryApi(cfg, metrics);
            WebServer web = WebServer.start(new WebServer.Ops(registry::scrape, stack::notReady).withMetricsKey(cfg.metricsKey()), null, api,
                    new WebServer.Listen(HttpConfig.HTTP_PORT, cfg.httpHost(), port));
            LOG.info("kembed serve: query API on {}:{} (POST /embed, POST /v1/embeddings, GET /info, /health, /metrics){}",
                    cfg.httpHost() == null ? "*" : cfg.httpHost(), web.port(), cfg.metricsKey() != null ? "; API key required, /metrics too"
                            : cfg.httpSettings().apiKey() != null ? "; API key required" : "");
            KembedApp.warnWithoutKey(cfg, web.port());
            return new QueryServer(stack, web, jvm);
        } catch (RuntimeException e) {
            KembedApp.closeQuietly(jvm);
            stack.close();
            throw e;
        }
    }

    public int port() {
        return web.port();
    }

    public KembedModel model() {
        return stack.model();
    }

    public WindowPlan plan() {
        return stack.plan();
    }

    public EngineWorkers workers() {
        return stack.workers();
    }

    /** Completes, with the reason, when the engine workers gave up on a hung engine: the server must exit non-zero. */
    public CompletableFuture<String> engineGaveUp() {
        return stack.workers().gaveUp();
    }

    /** Idempotent: the shutdown hook and the command may both close it. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        web.close();
        KembedApp.closeQuietly(jvmMetrics);
        stack.close();
    }
}
