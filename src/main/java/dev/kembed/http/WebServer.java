package dev.kembed.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kembed.error.KembedException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
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
 *
 * <p>Threads: no Jetty thread ever waits for a client or the engine. Bodies are read as they arrive
 * ({@link BodyReader}, held to a {@link BodyPace}); embedding runs on its own threads, one per
 * in-flight permit. So the threads that answer {@code /health} and {@code /metrics} on the API port
 * are never all taken by requests, and a separate metrics port has its own threads besides.
 */
public final class WebServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WebServer.class);
    private static final String API = "api";
    /** Jetty's threads only parse, copy bytes and write answers: a few suffice whatever the load. */
    private static final int IO_THREADS = 32;
    private static final int OPS_THREADS = 8;
    /**
     * A refused body (401, 413) is read and dropped up to this many times the body limit, so that
     * clients that send the whole body before reading (Python's http.client, urllib) read the
     * refusal; past it the connection is closed and such a client sees a reset.
     */
    static final int REFUSED_BODY_FACTOR = 16;

    /**
     * The operations side: the Prometheus scrape, readiness (null when ready, else what is not, one
     * line each), detail {@code /health} adds either way (the backlog: an operator's first question
     * when output slows), or null; and the key {@code /metrics} requires, or null for none.
     */
    public record Ops(Supplier<String> scrape, Supplier<String> notReady, Supplier<String> detail, String metricsKey) {
        public Ops(Supplier<String> scrape, Supplier<String> notReady) {
            this(scrape, notReady, () -> null, null);
        }

        public Ops(Supplier<String> scrape, Supplier<String> notReady, Supplier<String> detail) {
            this(scrape, notReady, detail, null);
        }

        /** The same, with {@code /metrics} behind {@code key} (null = open). */
        public Ops withMetricsKey(String key) {
            return new Ops(scrape, notReady, detail, key);
        }

        @Override
        public String toString() {
            return "Ops[metricsKey=" + (metricsKey == null ? "none" : "set") + "]";
        }
    }

    /** A port to listen on, the address to bind (null = every interface) and the setting that named it (for the error when it is taken). */
    public record Listen(String setting, String host, int port) {
        public Listen(String setting, int port) {
            this(setting, null, port);
        }
    }

    private final Server server;
    private final Ops ops;
    private final QueryApi api;
    private final Semaphore inFlight;
    private final byte[] apiKey;
    private final byte[] metricsKey;
    private final ExecutorService queryThreads;
    private final HttpConfiguration httpConfig = new HttpConfiguration();

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
        int concurrent = api == null ? 1 : api.settings().maxConcurrent();
        this.inFlight = new Semaphore(concurrent);
        this.apiKey = api == null || api.settings().apiKey() == null ? null : api.settings().apiKey().getBytes(StandardCharsets.UTF_8);
        this.metricsKey = ops.metricsKey() == null ? null : ops.metricsKey().getBytes(StandardCharsets.UTF_8);
        // a request takes a permit before it is queued here, so this never holds more than the permits
        ThreadPoolExecutor query = new ThreadPoolExecutor(concurrent, concurrent, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                daemonThreads("kembed-query-"));
        query.allowCoreThreadTimeOut(true);
        this.queryThreads = query;
        this.server = new Server(threadPool("kembed-http", IO_THREADS));
        httpConfig.setSendServerVersion(false); // no Server header: nothing to tell a scanner which Jetty to try
        httpConfig.setSendXPoweredBy(false);
        server.setHandler(new Routes());
    }

    private static QueuedThreadPool threadPool(String name, int max) {
        QueuedThreadPool threads = new QueuedThreadPool(max, 2);
        threads.setName(name);
        threads.setDaemon(true);
        return threads;
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
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
            boolean isApi = l == apiPort;
            // the metrics port gets threads of its own: nothing on the API port can take them
            ServerConnector c = isApi ? new ServerConnector(server, new HttpConnectionFactory(httpConfig))
                    : new ServerConnector(server, threadPool("kembed-ops", OPS_THREADS), null, null, 1, 1, new HttpConnectionFactory(httpConfig));
            c.setHost(l.host());
            c.setPort(l.port());
            c.setName(isApi ? API : "ops");
            server.addConnector(c);
        }
        try {
            server.start();
        } catch (Exception e) {
            stopQuietly();
            String which = ports.stream().map(l -> l.setting() + "=" + l.port() + (l.host() == null ? "" : " on " + l.host()))
                    .reduce((a, b) -> a + ", " + b).orElse("no port");
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
        queryThreads.shutdownNow();
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
                        metrics(request, response, callback);
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
            authorize(request, apiKey);
            json(response, callback, 200, api.info());
        } catch (ApiError e) {
            header(response, e);
            json(response, callback, e.status(), QueryApi.JSON.createObjectNode().put("error", e.getMessage())
                    .put("error_type", TeiRoute.errorType(e)));
        }
    }

    /** The scrape; behind the API key when {@code kembed.http.metrics.auth} says so. */
    private void metrics(Request request, Response response, Callback callback) {
        try {
            authorize(request, metricsKey);
            write(response, callback, 200, "text/plain; version=0.0.4; charset=utf-8", ops.scrape().get());
        } catch (ApiError e) {
            header(response, e);
            json(response, callback, e.status(), QueryApi.JSON.createObjectNode().put("error", e.getMessage()).put("error_type", "Unauthorized"));
        }
    }

    /**
     * A query: the key and a declared length are checked from the headers alone; the body is read
     * as it arrives, with no thread and no permit held; then a permit (429 when none is left), and
     * the engine call on a query thread.
     */
    private void embed(JsonRoute route, Request request, Response response, Callback callback) {
        long start = System.nanoTime();
        HttpSettings limits = api.settings();
        ApiError early = null;
        try {
            authorize(request, apiKey);
        } catch (ApiError e) {
            early = e;
        }
        if (early == null && request.getLength() > limits.maxBodyBytes()) {
            early = tooLarge(request.getLength(), limits.maxBodyBytes());
        }
        if (early != null) {
            refuseUnread(route, early, request, response, callback, start);
            return;
        }
        BodyReader.read(request, limits.maxBodyBytes(), limits.pace(), server.getScheduler()).thenAccept(body -> {
            switch (body.end()) {
                case COMPLETE -> answer(route, body.body(), response, callback, start);
                case OVER_LIMIT -> refuseUnread(route, tooLarge(-1, limits.maxBodyBytes()), request, response, callback, start);
                case TOO_SLOW -> answer(route, new ApiError(408, "request_timeout", body.why() + "; send the body at once"), true, response,
                        callback, start);
                case FAILED -> answer(route, new ApiError(400, "unreadable_body", body.why()), true, response, callback, start);
            }
        }).exceptionally(failure -> failed(callback, failure));
    }

    /** A whole body read: a permit, then the engine on a query thread, never on Jetty's. */
    private void answer(JsonRoute route, byte[] bytes, Response response, Callback callback, long start) {
        if (!inFlight.tryAcquire()) {
            answer(route, new ApiError(429, "overloaded", api.settings().maxConcurrent() + " requests are in flight, the most this server "
                    + "takes (kembed.http.max.concurrent.requests); retry later"), false, response, callback, start);
            return;
        }
        try {
            queryThreads.execute(() -> {
                int status;
                JsonNode body;
                ApiError error = null;
                try {
                    body = route.answer(parse(bytes));
                    status = 200;
                } catch (ApiError e) {
                    error = e;
                    status = e.status();
                    body = route.errorBody(e);
                } catch (KembedException e) {
                    error = Failures.of(e, route);
                    status = error.status();
                    body = route.errorBody(error);
                } catch (RuntimeException e) {
                    LOG.error("{} failed", route.name(), e); // the request body is never logged
                    status = 500;
                    body = route.errorBody(new ApiError(500, "internal_error", "internal error: " + e));
                } finally {
                    inFlight.release();
                }
                if (error != null) {
                    header(response, error);
                }
                api.metrics().request(route.name(), status, System.nanoTime() - start);
                json(response, callback, status, body);
            });
        } catch (RejectedExecutionException e) { // the server is stopping
            inFlight.release();
            answer(route, new ApiError(503, "stopping", "the server is stopping; retry on another instance"), true, response, callback, start);
        }
    }

    /** A refusal written at once; {@code close} when the connection cannot carry another request (a body left unread). */
    private void answer(JsonRoute route, ApiError e, boolean close, Response response, Callback callback, long start) {
        header(response, e);
        if (close) {
            response.getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
        }
        api.metrics().request(route.name(), e.status(), System.nanoTime() - start);
        json(response, callback, e.status(), route.errorBody(e));
    }

    /**
     * A refusal decided before (all of) the body was read (401, 413): answered at once with
     * {@code Connection: close}, then the rest of the body read and dropped, up to
     * {@link #REFUSED_BODY_FACTOR} times the limit and at the body's pace, with no thread held.
     * A client still sending would otherwise hit a reset before it reads the answer; most send the
     * whole body before they read anything. Then the connection closes. A client that sent
     * {@code Expect: 100-continue} sends no body after a final answer: nothing to drop.
     */
    private void refuseUnread(JsonRoute route, ApiError e, Request request, Response response, Callback callback, long start) {
        boolean bodyComing = !request.getHeaders().contains(HttpHeader.EXPECT, HttpHeaderValue.CONTINUE.asString());
        Callback thenDrop = !bodyComing ? callback : Callback.from(() -> BodyReader.discard(request,
                (long) REFUSED_BODY_FACTOR * api.settings().maxBodyBytes(), api.settings().pace(), server.getScheduler())
                .thenAccept(dropped -> {
                    api.metrics().refusedBodyBytes(dropped.bytes());
                    callback.succeeded();
                }).exceptionally(failure -> failed(callback, failure)), callback::failed);
        answer(route, e, true, response, thenDrop, start);
    }

    /** A bug past the point where an answer can be written: Jetty ends the exchange (500 or a closed connection). */
    private static Void failed(Callback callback, Throwable failure) {
        LOG.error("answering a request failed", failure);
        callback.failed(failure);
        return null;
    }

    private static void header(Response response, ApiError e) {
        if (e.status() == 401) {
            response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer");
        } else if (Failures.retryAfterSeconds(e.status()) > 0) {
            response.getHeaders().put(HttpHeader.RETRY_AFTER, Integer.toString(Failures.retryAfterSeconds(e.status())));
        }
    }

    /** Nothing to check when {@code key} is null; else the bearer token, compared in constant time. */
    private static void authorize(Request request, byte[] key) {
        if (key == null) {
            return;
        }
        String auth = request.getHeaders().get(HttpHeader.AUTHORIZATION);
        byte[] given = auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7) ? auth.substring(7).trim().getBytes(StandardCharsets.UTF_8) : null;
        if (given == null || !MessageDigest.isEqual(given, key)) { // constant time: the comparison leaks no prefix
            throw new ApiError(401, "unauthorized", auth == null ? "this server needs an API key: Authorization: Bearer <key>"
                    : "the API key is not valid");
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
