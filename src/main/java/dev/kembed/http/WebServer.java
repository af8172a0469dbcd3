package dev.kembed.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kembed.error.KembedException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * kembed's one HTTP server (Jetty's core handlers; no hand-written HTTP): {@code /metrics} and
 * {@code /health} on every port it listens on, and the query routes ({@code POST /embed},
 * {@code POST /v1/embeddings}, {@code GET /info}) on the API port. Every refusal is a status with
 * a JSON body in the route's own error shape; request bodies and the API key are never logged.
 */
public final class WebServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WebServer.class);
    private static final String API = "api";

    /**
     * The operations side: the Prometheus scrape, readiness (null when ready, else what is not, one
     * line each), and detail {@code /health} adds either way (the backlog: an operator's first
     * question when output slows), or null.
     */
    public record Ops(Supplier<String> scrape, Supplier<String> notReady, Supplier<String> detail) {
        public Ops(Supplier<String> scrape, Supplier<String> notReady) {
            this(scrape, notReady, () -> null);
        }
    }

    /** A port to listen on and the setting that named it (for the error when it is taken). */
    public record Listen(String setting, int port) {}

    private final Server server;
    private final Ops ops;
    private final QueryApi api;
    private final Semaphore inFlight;
    private final byte[] apiKey;

    /**
     * Starts listening: {@code ops} (metrics and health only) and {@code apiPort} (the query routes
     * too, when {@code api} is set); either may be null, and the same port given twice is one listener.
     */
    public static WebServer start(Ops ops, Listen opsPort, QueryApi api, Listen apiPort) {
        WebServer w = new WebServer(ops, api);
        w.listen(opsPort, apiPort);
        return w;
    }

    private WebServer(Ops ops, QueryApi api) {
        this.ops = ops;
        this.api = api;
        int concurrent = api == null ? 8 : api.settings().maxConcurrent();
        this.inFlight = new Semaphore(concurrent);
        this.apiKey = api == null || api.settings().apiKey() == null ? null : api.settings().apiKey().getBytes(StandardCharsets.UTF_8);
        QueuedThreadPool threads = new QueuedThreadPool(concurrent + 16, 4); // every permitted request may block on the engine
        threads.setName("kembed-http");
        threads.setDaemon(true);
        this.server = new Server(threads);
        server.setHandler(new Routes());
    }

    private void listen(Listen opsPort, Listen apiPort) {
        List<Listen> ports = new ArrayList<>();
        if (api != null && apiPort != null) {
            ports.add(apiPort);
        }
        if (opsPort != null && (apiPort == null || api == null || opsPort.port() != apiPort.port())) {
            ports.add(opsPort);
        }
        for (Listen l : ports) {
            ServerConnector c = new ServerConnector(server);
            c.setPort(l.port());
            c.setName(l == apiPort ? API : "ops");
            server.addConnector(c);
        }
        try {
            server.start();
        } catch (Exception e) {
            stopQuietly();
            String which = ports.stream().map(l -> l.setting() + "=" + l.port()).reduce((a, b) -> a + ", " + b).orElse("no port");
            throw new UncheckedIOException(which + ": cannot listen: " + e.getMessage(), e instanceof IOException io ? io : new IOException(e));
        }
    }

    /** The port a listener is bound to (the API's, else the first): what tests and benches that ask for port 0 need. */
    public int port() {
        for (var c : server.getConnectors()) {
            if (API.equals(c.getName())) {
                return ((ServerConnector) c).getLocalPort();
            }
        }
        return ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    }

    @Override
    public void close() {
        stopQuietly();
    }

    private void stopQuietly() {
        try {
            server.stop();
        } catch (Exception e) {
            LOG.warn("stopping the HTTP server failed: {}", e.toString());
        }
    }

    private final class Routes extends Handler.Abstract {
        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            String path = Request.getPathInContext(request);
            String method = request.getMethod();
            boolean apiHere = api != null && API.equals(request.getConnectionMetaData().getConnector().getName());
            switch (path) {
                case "/metrics" -> {
                    if (allowed(method, "GET", response, callback)) {
                        write(response, callback, 200, "text/plain; version=0.0.4; charset=utf-8", ops.scrape().get());
                    }
                }
                case "/health", "/health/ready", "/ping" -> {
                    if (allowed(method, "GET", response, callback)) {
                        health(response, callback);
                    }
                }
                case "/" -> { // TEI: GET / is health, POST / its default route
                    if (apiHere && method.equals("POST")) {
                        embed(api.route(path), request, response, callback);
                    } else if (allowed(method, "GET", response, callback)) {
                        health(response, callback);
                    }
                }
                case "/health/live" -> {
                    if (allowed(method, "GET", response, callback)) {
                        write(response, callback, 200, "text/plain; charset=utf-8", "live\n");
                    }
                }
                default -> {
                    JsonRoute route = apiHere ? api.route(path) : null;
                    if (route != null) {
                        if (allowed(method, "POST", response, callback)) {
                            embed(route, request, response, callback);
                        }
                    } else if (apiHere && path.equals("/info")) {
                        if (allowed(method, "GET", response, callback)) {
                            info(request, response, callback);
                        }
                    } else {
                        ObjectNode o = QueryApi.JSON.createObjectNode().put("error", "no route " + method + " " + path + "; routes: "
                                + (apiHere ? QueryApi.ROUTES + ", " : "") + "GET /health (and / and /ping), GET /health/live, GET /metrics")
                                .put("error_type", "NotFound");
                        json(response, callback, 404, o);
                    }
                }
            }
            return true;
        }
    }

    /** Readiness: 200 with "ready", or 503 naming what is not; then the detail lines either way. */
    private void health(Response response, Callback callback) {
        String notReady = ops.notReady().get();
        String detail = ops.detail().get();
        write(response, callback, notReady == null ? 200 : 503, "text/plain; charset=utf-8",
                (notReady == null ? "ready\n" : notReady + "\n") + (detail == null ? "" : detail + "\n"));
    }

    private boolean allowed(String method, String allow, Response response, Callback callback) {
        if (method.equals(allow) || (allow.equals("GET") && method.equals("HEAD"))) {
            return true;
        }
        response.getHeaders().put(HttpHeader.ALLOW, allow);
        json(response, callback, 405, QueryApi.JSON.createObjectNode().put("error", "method " + method + " not allowed; use " + allow)
                .put("error_type", "MethodNotAllowed"));
        return false;
    }

    private void info(Request request, Response response, Callback callback) {
        try {
            authorize(request);
            json(response, callback, 200, api.info());
        } catch (ApiError e) {
            header(response, e);
            json(response, callback, e.status(), QueryApi.JSON.createObjectNode().put("error", e.getMessage())
                    .put("error_type", TeiEmbedRoute.errorType(e)));
        }
    }

    private void embed(JsonRoute route, Request request, Response response, Callback callback) {
        long start = System.nanoTime();
        int status;
        JsonNode body;
        boolean bodyRead = false;
        try {
            authorize(request);
            if (!inFlight.tryAcquire()) {
                throw new ApiError(429, "overloaded", api.settings().maxConcurrent() + " requests are in flight, the most this server takes "
                        + "(kembed.http.max.concurrent.requests); retry later");
            }
            try {
                byte[] bytes = readBody(request);
                bodyRead = true;
                body = route.answer(parse(bytes));
                status = 200;
            } finally {
                inFlight.release();
            }
        } catch (ApiError e) {
            status = e.status();
            body = route.errorBody(e);
            header(response, e);
        } catch (KembedException e) {
            ApiError a = Failures.of(e, route);
            status = a.status();
            body = route.errorBody(a);
            header(response, a);
        } catch (RuntimeException e) {
            LOG.error("{} failed", route.name(), e); // the request body is never logged
            ApiError a = new ApiError(500, "internal_error", "internal error: " + e);
            status = 500;
            body = route.errorBody(a);
        }
        if (!bodyRead && !drain(request)) { // a body too large to read past: the connection cannot carry another request
            response.getHeaders().put(HttpHeader.CONNECTION, "close");
        }
        api.metrics().request(route.name(), status, System.nanoTime() - start);
        json(response, callback, status, body);
    }

    private static void header(Response response, ApiError e) {
        if (e.status() == 401) {
            response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer");
        } else if (Failures.retryAfterSeconds(e.status()) > 0) {
            response.getHeaders().put(HttpHeader.RETRY_AFTER, Integer.toString(Failures.retryAfterSeconds(e.status())));
        }
    }

    private void authorize(Request request) {
        if (apiKey == null) {
            return;
        }
        String auth = request.getHeaders().get(HttpHeader.AUTHORIZATION);
        byte[] given = auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7) ? auth.substring(7).trim().getBytes(StandardCharsets.UTF_8) : null;
        if (given == null || !MessageDigest.isEqual(given, apiKey)) { // constant time: the comparison leaks no prefix
            throw new ApiError(401, "unauthorized", auth == null ? "this server needs an API key: Authorization: Bearer <key>"
                    : "the API key is not valid");
        }
    }

    private byte[] readBody(Request request) {
        int max = api.settings().maxBodyBytes();
        long declared = request.getLength();
        if (declared > max) {
            throw tooLarge(declared, max);
        }
        try (InputStream in = Content.Source.asInputStream(request)) {
            byte[] body = in.readNBytes(max + 1);
            if (body.length > max) {
                throw tooLarge(-1, max);
            }
            return body;
        } catch (IOException e) {
            throw new ApiError(400, "unreadable_body", "the request body could not be read: " + e.getMessage());
        }
    }

    /**
     * Reads and drops the body of a request refused before it was read (401, 429, 413), up to four
     * times the body limit: a client still sending it would otherwise see the connection reset
     * before it reads the refusal. False when more is left (the connection is then closed).
     */
    private boolean drain(Request request) {
        long cap = 4L * api.settings().maxBodyBytes();
        if (request.getLength() > cap) {
            return false;
        }
        try (InputStream in = Content.Source.asInputStream(request)) {
            byte[] buf = new byte[8192];
            long read = 0;
            int n;
            while ((n = in.read(buf)) > 0) {
                read += n;
                if (read > cap) {
                    return false;
                }
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static ApiError tooLarge(long size, int max) {
        return new ApiError(413, "payload_too_large", "the request body " + (size >= 0 ? "has " + size + " bytes" : "is larger than the limit")
                + "; at most " + max + " bytes (kembed.http.max.body.bytes)");
    }

    private static JsonNode parse(byte[] body) {
        if (body.length == 0) {
            throw new ApiError(400, "invalid_json", "the request body is empty; send a JSON object");
        }
        try {
            return QueryApi.JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw new ApiError(400, "invalid_json", "the request body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new ApiError(400, "invalid_json", "the request body is not valid JSON: " + e.getMessage());
        }
    }

    private static void json(Response response, Callback callback, int status, JsonNode body) {
        try {
            write(response, callback, status, "application/json", QueryApi.JSON.writeValueAsString(body));
        } catch (JsonProcessingException e) {
            write(response, callback, 500, "text/plain; charset=utf-8", "cannot write the answer: " + e.getOriginalMessage());
        }
    }

    private static void write(Response response, Callback callback, int status, String type, String body) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
        response.write(true, ByteBuffer.wrap(body.getBytes(StandardCharsets.UTF_8)), callback);
    }
}
