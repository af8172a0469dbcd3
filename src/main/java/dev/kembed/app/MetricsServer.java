package dev.kembed.app;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/** Serves {@code /metrics} (Prometheus text format) and {@code /health}. */
final class MetricsServer implements AutoCloseable {
    private final HttpServer server;

    MetricsServer(int port, PrometheusMeterRegistry registry, java.util.function.BooleanSupplier healthy) {
        try {
            server = HttpServer.create(new InetSocketAddress(port), 0);
        } catch (IOException e) {
            throw new UncheckedIOException("kembed.metrics.port=" + port + ": cannot listen: " + e.getMessage(), e);
        }
        server.createContext("/metrics", ex -> respond(ex, 200, registry.scrape()));
        server.createContext("/health", ex -> respond(ex, healthy.getAsBoolean() ? 200 : 503, healthy.getAsBoolean() ? "ok\n" : "not running\n"));
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
