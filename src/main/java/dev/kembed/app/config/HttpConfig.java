package dev.kembed.app.config;

import dev.kembed.http.HttpSettings;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.time.Duration;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;

/** The HTTP side: the metrics and health port, and the query API's port, address, key and limits. */
public final class HttpConfig extends ConfigArea {
    public static final String METRICS_PORT = "kembed.metrics.port";
    public static final String HTTP_PORT = "kembed.http.port";
    public static final String HTTP_API_KEY = "kembed.http.api.key";
    public static final String HTTP_MAX_BODY_BYTES = "kembed.http.max.body.bytes";
    public static final String HTTP_MAX_INPUTS = "kembed.http.max.inputs";
    public static final String HTTP_MAX_CONCURRENT = "kembed.http.max.concurrent.requests";
    public static final String HTTP_REQUEST_TIMEOUT_MS = "kembed.http.request.timeout.ms";
    public static final String HTTP_HOST = "kembed.http.host";
    public static final String HTTP_METRICS_AUTH = "kembed.http.metrics.auth";
    public static final String HTTP_BODY_TIMEOUT_MS = "kembed.http.body.timeout.ms";
    public static final String HTTP_BODY_MIN_RATE = "kembed.http.body.min.bytes.per.second";
    public static final String HTTP_MAX_INPUT_TOKENS = "kembed.http.max.input.tokens";
    public static final String HTTP_MAX_QUEUED_TOKENS = "kembed.http.max.queued.tokens";

    public HttpConfig(AbstractConfig values) {
        super(values);
    }

    public static void defineMetrics(ConfigDef def) {
        def.define(METRICS_PORT, Type.INT, 0, Range.between(0, 65535), Importance.MEDIUM,
                "Port of /metrics (Prometheus) and /health (0 = off).");
    }

    public static void defineHttp(ConfigDef def) {
        def.define(HTTP_PORT, Type.INT, 0, Range.between(0, 65535), Importance.MEDIUM,
                        "Port of the query API (POST /embed, POST /v1/embeddings, GET /info; also /metrics and /health), answered from the "
                                + "stream's engine, window plan and fingerprint, ahead of queued document windows (0 = off). May equal "
                                + "kembed.metrics.port.")
                .define(HTTP_API_KEY, Type.PASSWORD, null, Importance.MEDIUM,
                        "Bearer token the query routes require (Authorization: Bearer <key>); unset = none; a blank value is refused at start-up. "
                                + "Never logged.")
                .define(HTTP_MAX_BODY_BYTES, Type.INT, HttpSettings.DEFAULT_MAX_BODY_BYTES, Range.between(1024, 1 << 30),
                        Importance.LOW, "Larger request bodies are refused with 413.")
                .define(HTTP_MAX_INPUTS, Type.INT, HttpSettings.DEFAULT_MAX_INPUTS, Range.between(1, 100_000), Importance.LOW,
                        "Inputs per request; more are refused with 413.")
                .define(HTTP_MAX_CONCURRENT, Type.INT, HttpSettings.DEFAULT_MAX_CONCURRENT, Range.between(1, 4096),
                        Importance.LOW, "Requests embedding at once; one more is refused with 429 and Retry-After.")
                .define(HTTP_REQUEST_TIMEOUT_MS, Type.LONG, HttpSettings.DEFAULT_TIMEOUT_MS, Range.between(100, 3_600_000),
                        Importance.LOW, "The longest a query waits for the engine; then 503 with Retry-After (the engine is down or overloaded).")
                .define(HTTP_HOST, Type.STRING, null, Importance.MEDIUM,
                        "Address the query API binds to: an IP address or host name of this machine, e.g. 127.0.0.1 behind a sidecar "
                                + "proxy; unset = every interface (IPv4 and IPv6), as text-embeddings-inference. A separate "
                                + "kembed.metrics.port still listens on every interface.")
                .define(HTTP_METRICS_AUTH, Type.BOOLEAN, false, Importance.LOW,
                        "/metrics requires kembed.http.api.key too (on every port; the scraper sends Authorization: Bearer <key>). "
                                + "/health never does: probes carry no key.")
                .define(HTTP_BODY_TIMEOUT_MS, Type.LONG, HttpSettings.DEFAULT_BODY_TIMEOUT_MS, Range.between(100, 600_000), Importance.LOW,
                        "The longest a request may take to send its body; then 408 and the connection is closed.")
                .define(HTTP_BODY_MIN_RATE, Type.LONG, HttpSettings.DEFAULT_MIN_BODY_RATE, Range.between(0, 1L << 30), Importance.LOW,
                        "A request body arriving slower than this on average after its first second is cut short with 408 and the "
                                + "connection closed (0 = no minimum).")
                .define(HTTP_MAX_INPUT_TOKENS, Type.INT, 0, Range.atLeast(0), Importance.LOW,
                        "Tokens per query input, special tokens and prompt included (text-embeddings-inference's max_input_length); a "
                                + "longer input is refused with 413 unless the request says truncate: true, which keeps its first tokens "
                                + "up to this. 0 = the window size (kembed.window.max.tokens); above it, a long input is windowed like a "
                                + "document up to this many tokens.")
                .define(HTTP_MAX_QUEUED_TOKENS, Type.LONG, 0L, Range.atLeast(0), Importance.LOW,
                        "Padded tokens of query windows the engine queue may hold; a query that would exceed it is refused at once with "
                                + "429 and Retry-After, never queued (an empty queue takes any query). 0 = "
                                + HttpSettings.QUEUED_BATCHES + " batches (4 x kembed.batch.max.tokens as resolved).");
    }

    /** A key that is set must say something, and the address must be one of this machine's. */
    public void check(ConfigErrors errors) {
        if (errors.parsed(HTTP_API_KEY) && values.getPassword(HTTP_API_KEY) != null && values.getPassword(HTTP_API_KEY).value().isBlank()) {
            errors.add(HTTP_API_KEY + " is blank; a blank key does not mean \"no key\": set a key, or leave " + HTTP_API_KEY
                    + " unset to serve without one");
        }
        if (errors.parsed(HTTP_METRICS_AUTH, HTTP_API_KEY) && values.getBoolean(HTTP_METRICS_AUTH) && values.getPassword(HTTP_API_KEY) == null) {
            errors.add(HTTP_METRICS_AUTH + "=true needs " + HTTP_API_KEY + " (the key /metrics then requires)");
        }
        if (errors.parsed(HTTP_HOST) && values.getString(HTTP_HOST) != null) {
            String problem = hostProblem(values.getString(HTTP_HOST).trim());
            if (problem != null) {
                errors.add(HTTP_HOST + "=" + values.getString(HTTP_HOST) + ": " + problem);
            }
        }
    }

    /** Why {@code host} cannot be bound here, or null. */
    static String hostProblem(String host) {
        if (host.isEmpty()) {
            return "empty; leave it unset to listen on every interface";
        }
        try {
            InetAddress a = InetAddress.getByName(host);
            if (a.isAnyLocalAddress() || a.isLoopbackAddress() || NetworkInterface.getByInetAddress(a) != null) {
                return null;
            }
            return "resolves to " + a.getHostAddress() + ", not an address of this machine (allowed: one of its addresses or names, "
                    + "0.0.0.0, ::, 127.0.0.1, or unset = every interface)";
        } catch (UnknownHostException e) {
            return "unknown host (allowed: an IP address or a name of this machine, or unset = every interface)";
        } catch (SocketException e) {
            return "cannot list this machine's addresses: " + e.getMessage();
        }
    }

    public int metricsPort() {
        return values.getInt(METRICS_PORT);
    }

    public int httpPort() {
        return values.getInt(HTTP_PORT);
    }

    /** The query API's bind address, or null for every interface. */
    public String httpHost() {
        String h = values.getString(HTTP_HOST);
        return h == null ? null : h.trim();
    }

    /** The key {@code /metrics} requires, or null when it is open. */
    public String metricsKey() {
        return values.getBoolean(HTTP_METRICS_AUTH) ? secret(HTTP_API_KEY) : null;
    }

    /** The query routes' limits; {@code maxInputChars} ({@code kembed.input.max.chars}) bounds each input as it bounds a document. */
    public HttpSettings httpSettings(int maxInputChars) {
        return new HttpSettings(secret(HTTP_API_KEY), values.getInt(HTTP_MAX_BODY_BYTES), values.getInt(HTTP_MAX_INPUTS),
                values.getInt(HTTP_MAX_CONCURRENT), maxInputChars, Duration.ofMillis(values.getLong(HTTP_REQUEST_TIMEOUT_MS)),
                Duration.ofMillis(values.getLong(HTTP_BODY_TIMEOUT_MS)), values.getLong(HTTP_BODY_MIN_RATE), values.getInt(HTTP_MAX_INPUT_TOKENS),
                values.getLong(HTTP_MAX_QUEUED_TOKENS));
    }
}
