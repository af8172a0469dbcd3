package dev.kembed.serde;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;

/** Confluent Schema Registry REST protocol (also served by Apicurio's ccompat API), with caching. */
final class RestSchemaRegistry implements SchemaRegistry {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final String base;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final Map<Integer, Schema> byId = new ConcurrentHashMap<>();
    private final Map<String, Integer> registered = new ConcurrentHashMap<>();

    RestSchemaRegistry(String url) {
        this.base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    @Override
    public int register(String subject, Schema schema) {
        return registered.computeIfAbsent(subject + "\n" + schema, k -> {
            String body = JSON.createObjectNode().put("schema", schema.toString()).toString();
            JsonNode r = call(HttpRequest.newBuilder(URI.create(base + "/subjects/" + URLEncoder.encode(subject, StandardCharsets.UTF_8) + "/versions"))
                    .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build());
            int id = r.path("id").asInt(-1);
            if (id < 0) {
                throw new SerdeException("registry-error", "schema registry returned no id for subject " + subject + ": " + r);
            }
            byId.put(id, schema);
            return id;
        });
    }

    @Override
    public Schema byId(int id) {
        return byId.computeIfAbsent(id, i -> {
            JsonNode r = call(HttpRequest.newBuilder(URI.create(base + "/schemas/ids/" + i)).GET().build());
            if (!r.hasNonNull("schema")) {
                throw new SerdeException("unknown-schema", "schema id " + i + " is not in the registry at " + base);
            }
            return new Schema.Parser().parse(r.get("schema").asText());
        });
    }

    private JsonNode call(HttpRequest request) {
        try {
            HttpResponse<String> resp = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (resp.statusCode() == 404) {
                return JSON.createObjectNode();
            }
            if (resp.statusCode() / 100 != 2) {
                throw new SerdeException("registry-error", "schema registry " + request.uri() + " answered " + resp.statusCode() + ": " + resp.body());
            }
            return JSON.readTree(resp.body());
        } catch (IOException e) {
            throw new SerdeException("registry-unavailable", "schema registry " + base + " unreachable: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SerdeException("registry-unavailable", "interrupted");
        }
    }
}
