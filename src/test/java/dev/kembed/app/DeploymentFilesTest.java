package dev.kembed.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * The deployment files stay true to the app: every property and environment variable they set is
 * a setting kembed (or Kafka) knows and accepts, the metrics port, probe paths, config mount and
 * selectors line up, and KEDA scales the group kembed actually uses; and every object passes the
 * vendored Kubernetes 1.30 strict schemas, the compose file the Compose Specification's schema.
 * (Jackson's YAML reader comes with Kafka's runtime dependencies.)
 */
class DeploymentFilesTest {
    static final YAMLMapper YAML = new YAMLMapper();
    static final Set<String> KAFKA_KEYS = new HashSet<>();

    static {
        KAFKA_KEYS.addAll(StreamsConfig.configDef().names());
        KAFKA_KEYS.addAll(ConsumerConfig.configNames());
        KAFKA_KEYS.addAll(ProducerConfig.configNames());
        KAFKA_KEYS.addAll(AdminClientConfig.configNames());
    }

    static List<JsonNode> documents(Path file) throws Exception {
        List<JsonNode> docs = new ArrayList<>();
        try (var it = YAML.readValues(new YAMLFactory().createParser(file.toFile()), JsonNode.class)) {
            while (it.hasNext()) {
                JsonNode n = it.next();
                if (n != null && !n.isNull()) {
                    docs.add(n);
                }
            }
        }
        return docs;
    }

    static JsonNode kind(List<JsonNode> docs, String kind) {
        return docs.stream().filter(d -> d.path("kind").asText().equals(kind)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind));
    }

    /** Each variable names a known setting (kembed's, or Kafka's for KEMBED_KAFKA_*). */
    static void assertKnownEnvironment(Map<String, String> env, String where) {
        for (String name : env.keySet()) {
            assertThat(name).as(where).startsWith("KEMBED_");
            String key = KembedConfig.settingOf(name);
            if (name.startsWith("KEMBED_KAFKA_")) {
                assertThat(KAFKA_KEYS).as(where + ": " + name + " -> " + key).contains(key);
            } else {
                assertThat(KembedConfig.DEF.names()).as(where + ": " + name + " -> " + key).contains(key);
            }
        }
    }

    /** Kubernetes 1.30's strict schemas (no unknown fields), vendored under src/test/resources/schemas. */
    static final Map<String, String> KUBERNETES_SCHEMAS = Map.of(
            "ConfigMap", "configmap-v1.json",
            "StatefulSet", "statefulset-apps-v1.json",
            "Service", "service-v1.json",
            "PodDisruptionBudget", "poddisruptionbudget-policy-v1.json");

    static List<String> schemaErrors(String resource, SpecificationVersion version, JsonNode doc) throws Exception {
        try (java.io.InputStream in = DeploymentFilesTest.class.getResourceAsStream("/schemas/" + resource)) {
            assertThat(in).as(resource).isNotNull();
            // in memory only: the Kubernetes files name their dialect by the unversioned meta-schema URI,
            // and the compose schema's $id is relative; both are made explicit for the validator
            String text = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)
                    .replace("\"http://json-schema.org/schema#\"", "\"http://json-schema.org/draft-04/schema#\"")
                    .replace("\"$id\": \"compose_spec.json\"", "\"$id\": \"https://github.com/compose-spec/compose-spec/schema/compose_spec.json\"");
            com.networknt.schema.Schema schema = SchemaRegistry.withDefaultDialect(version).getSchema(text, com.networknt.schema.InputFormat.JSON);
            return schema.validate(doc).stream().map(e -> e.getInstanceLocation() + ": " + e.getMessage()).toList();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"k8s/kembed.yaml", "k8s/gpu/kembed-gpu.yaml"})
    void kubernetesManifestsPassTheApiSchemas(String file) throws Exception {
        List<JsonNode> docs = documents(Path.of(file));
        for (JsonNode doc : docs) {
            String kind = doc.path("kind").asText();
            if (kind.equals("ScaledObject")) {
                assertThat(doc.path("apiVersion").asText()).isEqualTo("keda.sh/v1alpha1"); // a CRD: its fields are checked below
                continue;
            }
            assertThat(KUBERNETES_SCHEMAS).as(file + ": a schema for " + kind).containsKey(kind);
            assertThat(schemaErrors("kubernetes-v1.30.0-standalone-strict/" + KUBERNETES_SCHEMAS.get(kind), SpecificationVersion.DRAFT_4, doc))
                    .as(file + " " + kind).isEmpty();
        }
        // and the schemas do bite: a misspelt field is refused
        JsonNode sts = kind(docs, "StatefulSet").deepCopy();
        ((com.fasterxml.jackson.databind.node.ObjectNode) sts.path("spec")).put("replicaz", 2);
        assertThat(schemaErrors("kubernetes-v1.30.0-standalone-strict/statefulset-apps-v1.json", SpecificationVersion.DRAFT_4, sts))
                .anyMatch(e -> e.contains("replicaz"));
    }

    @Test
    void composeFilePassesTheComposeSpec() throws Exception {
        JsonNode compose = documents(Path.of("docker-compose.yml")).get(0);
        assertThat(schemaErrors("compose/compose-spec.json", SpecificationVersion.DRAFT_7, compose)).isEmpty();
        JsonNode broken = compose.deepCopy();
        ((com.fasterxml.jackson.databind.node.ObjectNode) broken.path("services").path("kembed")).put("imagez", "kembed");
        assertThat(schemaErrors("compose/compose-spec.json", SpecificationVersion.DRAFT_7, broken)).anyMatch(e -> e.contains("imagez"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"k8s/kembed.yaml", "k8s/gpu/kembed-gpu.yaml"})
    void kubernetesManifestsMatchTheApp(String file) throws Exception {
        List<JsonNode> docs = documents(Path.of(file));
        Properties props = new Properties();
        props.load(new StringReader(kind(docs, "ConfigMap").path("data").path("kembed.properties").asText()));
        for (String k : props.stringPropertyNames()) {
            assertThat(k.startsWith("kembed.") ? KembedConfig.DEF.names() : KAFKA_KEYS).as(file + ": " + k).contains(k);
        }
        JsonNode sts = kind(docs, "StatefulSet");
        JsonNode pod = sts.path("spec").path("template");
        JsonNode container = pod.path("spec").path("containers").get(0);
        Map<String, String> env = new LinkedHashMap<>();
        container.path("env").forEach(e -> env.put(e.path("name").asText(), e.has("value") ? e.path("value").asText() : "kembed-0"));
        assertKnownEnvironment(env, file);
        assertThat(props.getProperty("kembed.model.dir")).as("the model is mounted").startsWith("/models");
        props.put("kembed.model.dir", KembedConfigTest.MODEL.toString()); // the mount is the one thing a test cannot provide
        KembedConfig cfg = KembedConfig.from(props, env); // every other value parses and passes the start-up checks
        assertThat(cfg.kafka()).containsEntry("group.instance.id", "kembed-0"); // static membership from the pod name

        assertThat(container.path("ports").get(0).path("containerPort").asInt()).isEqualTo(cfg.metricsPort());
        assertThat(container.path("readinessProbe").path("httpGet").path("path").asText()).isEqualTo("/health/ready");
        assertThat(container.path("livenessProbe").path("httpGet").path("path").asText()).isEqualTo("/health/live");
        assertThat(pod.path("spec").path("enableServiceLinks").asBoolean(true)).isFalse();
        List<String> args = new ArrayList<>();
        container.path("args").forEach(a -> args.add(a.asText()));
        String configFile = args.get(args.indexOf("--config") + 1);
        String configMount = null;
        for (JsonNode m : container.path("volumeMounts")) {
            if (m.path("name").asText().equals("config")) {
                configMount = m.path("mountPath").asText();
            }
        }
        assertThat(configFile).isEqualTo(configMount + "/kembed.properties");

        String app = pod.path("metadata").path("labels").path("app").asText();
        assertThat(sts.path("spec").path("selector").path("matchLabels").path("app").asText()).isEqualTo(app);
        assertThat(kind(docs, "Service").path("spec").path("selector").path("app").asText()).isEqualTo(app);
        if (file.equals("k8s/kembed.yaml")) {
            assertThat(kind(docs, "PodDisruptionBudget").path("spec").path("selector").path("matchLabels").path("app").asText()).isEqualTo(app);
            JsonNode keda = kind(docs, "ScaledObject");
            assertThat(keda.path("spec").path("scaleTargetRef").path("name").asText()).isEqualTo(sts.path("metadata").path("name").asText());
            JsonNode trigger = keda.path("spec").path("triggers").get(0).path("metadata");
            assertThat(trigger.path("consumerGroup").asText()).isEqualTo(props.getProperty("application.id"));
            assertThat(trigger.path("topic").asText()).isEqualTo(cfg.inputTopic());
            assertThat(trigger.path("allowIdleConsumers").asText()).isEqualTo("false");
        } else {
            assertThat(container.path("resources").path("limits").path("nvidia.com/gpu").asInt()).isEqualTo(1);
        }
    }

    @Test
    void composeFileMatchesTheApp() throws Exception {
        JsonNode services = documents(Path.of("docker-compose.yml")).get(0).path("services");
        for (String service : List.of("kembed", "kembed-gpu")) {
            JsonNode s = services.path(service);
            Map<String, String> env = new LinkedHashMap<>();
            s.path("environment").fields().forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
            assertKnownEnvironment(env, service);
            assertThat(env.get("KEMBED_MODEL_DIR")).as(service + ": the model is mounted").startsWith("/models");
            env.put("KEMBED_MODEL_DIR", KembedConfigTest.MODEL.toString()); // the mount is the one thing a test cannot provide
            KembedConfig cfg = KembedConfig.from(new Properties(), env);
            assertThat(cfg.registryUrl()).isEqualTo("http://schema-registry:8081");
            assertThat(services.has("schema-registry")).isTrue();
            List<String> ports = new ArrayList<>();
            s.path("ports").forEach(p -> ports.add(p.asText()));
            assertThat(ports).anyMatch(p -> p.endsWith(":" + cfg.metricsPort()));
        }
        assertThat(services.path("kembed-gpu").path("deploy").path("resources").path("reservations").path("devices").get(0)
                .path("capabilities").get(0).asText()).isEqualTo("gpu");
        String prometheus = Files.readString(Path.of("config/prometheus.yml"));
        assertThat(prometheus).contains("kembed:9400");
    }
}
