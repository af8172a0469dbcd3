package dev.kembed.serde;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.apache.avro.Schema;

/**
 * Confluent Schema Registry REST protocol (also served by Apicurio's ccompat API), with caching,
 * failover across several URLs, basic or bearer auth, a trust store and timeouts.
 */
final class RestSchemaRegistry implements SchemaRegistry {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";

    private final List<String> bases;
    private final RegistrySettings settings;
    private final HttpClient http;
    private final String authorization;
    private final Map<Integer, Schema> byId = new ConcurrentHashMap<>();
    private final Map<String, Integer> registered = new ConcurrentHashMap<>();
    /** Where the last call succeeded: the next starts there, so a dead first URL costs one timeout, not one per call. */
    private volatile int preferred;

    RestSchemaRegistry(RegistrySettings settings) {
        this.settings = settings;
        this.bases = settings.urls().stream().map(u -> u.endsWith("/") ? u.substring(0, u.length() - 1) : u).toList();
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(settings.connectTimeout());
        if (settings.trustStore() != null) {
            b.sslContext(sslContext(settings));
        }
        this.http = b.build();
        if (settings.basicAuthUserInfo() != null) {
            authorization = "Basic " + Base64.getEncoder().encodeToString(settings.basicAuthUserInfo().getBytes(StandardCharsets.UTF_8));
        } else if (settings.bearerToken() != null) {
            authorization = "Bearer " + settings.bearerToken();
        } else {
            authorization = null;
        }
    }

    private static SSLContext sslContext(RegistrySettings s) {
        try (InputStream in = Files.newInputStream(s.trustStore())) {
            KeyStore ks = KeyStore.getInstance(s.trustStoreType());
            ks.load(in, s.trustStorePassword() == null ? null : s.trustStorePassword().toCharArray());
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("kembed.schema.registry.ssl.truststore.location=" + s.trustStore() + " cannot be read as "
                    + s.trustStoreType() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public int register(String subject, Schema schema) {
        return registered.computeIfAbsent(subject + "\n" + schema, k -> post(subject, schema));
    }

    @Override
    public int registerAgain(String subject, Schema schema) {
        int id = post(subject, schema);
        registered.put(subject + "\n" + schema, id);
        return id;
    }

    private int post(String subject, Schema schema) {
        String body = JSON.createObjectNode().put("schema", schema.toString()).toString();
        String path = "/subjects/" + URLEncoder.encode(subject, StandardCharsets.UTF_8) + "/versions";
        JsonNode r = call(path, base -> request(base + path).header("Content-Type", CONTENT_TYPE)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), subject);
        int id = r.path("id").asInt(-1);
        if (id < 0) {
            throw SerdeException.registryRefused("registry-error", "schema registry returned no id for subject " + subject + ": " + r);
        }
        byId.put(id, schema);
        return id;
    }

    @Override
    public Schema byId(int id) {
        return byId.computeIfAbsent(id, i -> {
            String path = "/schemas/ids/" + i;
            JsonNode r = call(path, base -> request(base + path).GET().build(), null);
            if (!r.hasNonNull("schema")) {
                throw SerdeException.badValue("unknown-schema", "schema id " + i + " is not in the registry at " + bases.get(preferred));
            }
            return new Schema.Parser().parse(r.get("schema").asText());
        });
    }

    @Override
    public String unreachable() {
        try {
            call("/subjects", base -> request(base + "/subjects").GET().build(), null);
            return null;
        } catch (SerdeException e) {
            return e.getMessage();
        }
    }

    private HttpRequest.Builder request(String url) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(settings.requestTimeout()).header("Accept", CONTENT_TYPE);
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return b;
    }

    /**
     * Tries each URL from the preferred one on. Connection failures, timeouts and 5xx answers move
     * on to the next; a 4xx is the registry's answer and is final.
     */
    private JsonNode call(String path, Function<String, HttpRequest> build, String subject) {
        StringBuilder failures = new StringBuilder();
        for (int n = 0; n < bases.size(); n++) {
            int i = (preferred + n) % bases.size();
            String base = bases.get(i);
            try {
                HttpResponse<String> resp = http.send(build.apply(base), HttpResponse.BodyHandlers.ofString());
                int status = resp.statusCode();
                if (status / 100 == 5) {
                    failures.append("; ").append(base).append(" answered ").append(status);
                    continue;
                }
                preferred = i;
                if (status == 404) {
                    return JSON.createObjectNode();
                }
                if (status == 409) {
                    throw SerdeException.registryRefused("registry-incompatible", "schema registry " + base + " refused the schema for subject " + subject
                            + " as incompatible (409): " + message(resp.body()));
                }
                if (status == 422 && subject != null) {
                    throw SerdeException.registryRefused("registry-invalid", "schema registry " + base + " refused the schema for subject " + subject
                            + " as invalid (422): " + message(resp.body()));
                }
                if (status == 401 || status == 403) {
                    throw SerdeException.registryRefused("registry-unauthorized", "schema registry " + base + path + " answered " + status + ": "
                            + message(resp.body()) + " (check kembed.schema.registry.basic.auth.user.info or bearer.auth.token)");
                }
                if (status / 100 != 2) {
                    throw SerdeException.registryRefused("registry-error", "schema registry " + base + path + " answered " + status + ": " + message(resp.body()));
                }
                return JSON.readTree(resp.body());
            } catch (IOException e) {
                failures.append("; ").append(base).append(" unreachable: ").append(e.getClass().getSimpleName())
                        .append(e.getMessage() == null ? "" : " " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw SerdeException.registryUnavailable("interrupted", e);
            }
        }
        throw SerdeException.registryUnavailable("no schema registry answered" + failures, null);
    }

    /** The registry's own reason ({"error_code":..,"message":..}), else the body. */
    private static String message(String body) {
        try {
            JsonNode n = JSON.readTree(body);
            if (n != null && n.hasNonNull("message")) {
                return n.get("message").asText();
            }
        } catch (IOException e) {
            // not JSON: the body as it is
        }
        return body;
    }
}
