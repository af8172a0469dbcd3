package dev.kembed.app;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/**
 * Serves {@code /metrics} (Prometheus text format), {@code /health/live} (the process answers) and
 * {@code /health/ready} = {@code /health} (200 only while Streams runs and the engine serves;
 * otherwise 503 with a body naming what is not ready).
 */
final class MetricsServer implements AutoCloseable {
    /** Readiness: null when ready, else the lines saying what is not. */
    interface Readiness extends Supplier<String> {}

    private final HttpServer server;

    MetricsServer(int port, PrometheusMeterRegistry registry, Readiness readiness) {
        try {
            server = HttpServer.create(new InetSocketAddress(port), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(KembedConfig.METRICS_PORT + "=" + port + ": cannot listen: " + e.getMessage(), e);
        }
        server.createContext("/metrics", ex -> respond(ex, 200, registry.scrape()));
        server.createContext("/health/live", ex -> respond(ex, 200, "live\n"));
        server.createContext("/health", ex -> {
            if (!ex.getRequestURI().getPath().equals("/health") && !ex.getRequestURI().getPath().equals("/health/ready")) {
                respond(ex, 404, "no such endpoint; try /health/ready or /health/live\n");
                return;
            }
            String notReady = readiness.get();
            respond(ex, notReady == null ? 200 : 503, notReady == null ? "ready\n" : notReady + "\n");
        });
        server.start();
    }

    private static void respond(com.sun.net.httpserver.HttpExchange ex, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
