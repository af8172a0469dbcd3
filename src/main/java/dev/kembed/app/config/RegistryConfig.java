package dev.kembed.app.config;

import dev.kembed.serde.RegistrySettings;
import dev.kembed.serde.SubjectNameStrategy;
import dev.kembed.stream.InputFormat;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;

/** The schema registry: its URLs, credentials (never logged), trust store, timeouts and subject names. */
public final class RegistryConfig extends ConfigArea {
    public static final String SCHEMA_REGISTRY_URL = "kembed.schema.registry.url";
    public static final String REGISTRY_BASIC_AUTH = "kembed.schema.registry.basic.auth.user.info";
    public static final String REGISTRY_BEARER_TOKEN = "kembed.schema.registry.bearer.auth.token";
    public static final String REGISTRY_TRUSTSTORE = "kembed.schema.registry.ssl.truststore.location";
    public static final String REGISTRY_TRUSTSTORE_PASSWORD = "kembed.schema.registry.ssl.truststore.password";
    public static final String REGISTRY_TRUSTSTORE_TYPE = "kembed.schema.registry.ssl.truststore.type";
    public static final String REGISTRY_CONNECT_TIMEOUT_MS = "kembed.schema.registry.connect.timeout.ms";
    public static final String REGISTRY_REQUEST_TIMEOUT_MS = "kembed.schema.registry.request.timeout.ms";
    public static final String REGISTRY_SUBJECT_STRATEGY = "kembed.schema.registry.subject.name.strategy";
    public static final String REGISTRY_RETRY_BACKOFF_MAX_MS = "kembed.schema.registry.retry.backoff.max.ms";

    public RegistryConfig(AbstractConfig values) {
        super(values);
    }

    public static void define(ConfigDef def) {
        def.define(SCHEMA_REGISTRY_URL, Type.LIST, "mock://kembed", Importance.HIGH,
                        "Confluent-compatible registry URL(s), comma-separated and tried in order (failover), or mock://scope "
                                + "(in-JVM, for tests and demos).")
                .define(REGISTRY_BASIC_AUTH, Type.PASSWORD, null, Importance.MEDIUM,
                        "user:password for HTTP basic auth to the registry (Confluent's basic.auth.user.info). Never logged.")
                .define(REGISTRY_BEARER_TOKEN, Type.PASSWORD, null, Importance.MEDIUM, "Bearer token for the registry (instead of basic auth). Never logged.")
                .define(REGISTRY_TRUSTSTORE, Type.STRING, "", Importance.LOW, "Trust store for an https registry (empty = the JVM's).")
                .define(REGISTRY_TRUSTSTORE_PASSWORD, Type.PASSWORD, null, Importance.LOW, "Its password. Never logged.")
                .define(REGISTRY_TRUSTSTORE_TYPE, Type.STRING, "pkcs12", Choice.of("pkcs12", "jks"), Importance.LOW, "Its type.")
                .define(REGISTRY_CONNECT_TIMEOUT_MS, Type.INT, 10_000, Range.between(100, 600_000), Importance.LOW,
                        "Connect timeout per registry URL; past it the next URL is tried.")
                .define(REGISTRY_REQUEST_TIMEOUT_MS, Type.INT, 30_000, Range.between(100, 600_000), Importance.LOW, "Request timeout per registry call.")
                .define(REGISTRY_SUBJECT_STRATEGY, Type.STRING, "topic", Choice.of(SubjectNameStrategy.class), Importance.LOW,
                        "Subject of the output schemas: topic = <topic>-value, record = the record's full name, topic-record = <topic>-<full name>.")
                .define(REGISTRY_RETRY_BACKOFF_MAX_MS, Type.INT, 30_000, Range.between(500, 600_000), Importance.LOW,
                        "Longest pause between start-up attempts to register the output schemas while no registry answers (0.5 s, doubling). "
                                + "Kafka Streams starts once they are registered; kembed never gives up waiting.");
    }

    /** One kind of credentials, well formed; URLs of a known scheme, and a registry outside this JVM for Avro input. */
    public void check(ConfigErrors errors, TopicsConfig topics) {
        if (errors.parsed(REGISTRY_BASIC_AUTH, REGISTRY_BEARER_TOKEN)) {
            if (values.getPassword(REGISTRY_BASIC_AUTH) != null && values.getPassword(REGISTRY_BEARER_TOKEN) != null) {
                errors.add(REGISTRY_BASIC_AUTH + " and " + REGISTRY_BEARER_TOKEN + " are both set; set one");
            }
            if (values.getPassword(REGISTRY_BASIC_AUTH) != null && !values.getPassword(REGISTRY_BASIC_AUTH).value().contains(":")) {
                errors.add(REGISTRY_BASIC_AUTH + " must be user:password");
            }
        }
        if (errors.parsed(SCHEMA_REGISTRY_URL)) {
            String urls = RegistrySettings.urlProblem(SCHEMA_REGISTRY_URL, values.getList(SCHEMA_REGISTRY_URL));
            if (urls != null) {
                errors.add(urls);
            } else if (errors.parsed(TopicsConfig.INPUT_FORMAT) && topics.inputFormat() == InputFormat.AVRO && registryUrl().startsWith("mock://")) {
                errors.add(TopicsConfig.INPUT_FORMAT + "=avro needs the registry your producers use: set " + SCHEMA_REGISTRY_URL
                        + " to its http(s) URL (mock:// is only visible inside this JVM)");
            }
        }
    }

    /** The first registry URL, or empty. */
    public String registryUrl() {
        List<String> urls = values.getList(SCHEMA_REGISTRY_URL);
        return urls.isEmpty() ? "" : urls.get(0);
    }

    /** The longest pause between start-up registration attempts. */
    public Duration retryBackoffMax() {
        return Duration.ofMillis(values.getInt(REGISTRY_RETRY_BACKOFF_MAX_MS));
    }

    public RegistrySettings registrySettings() {
        String trustStore = values.getString(REGISTRY_TRUSTSTORE).trim();
        return new RegistrySettings(values.getList(SCHEMA_REGISTRY_URL), secret(REGISTRY_BASIC_AUTH), secret(REGISTRY_BEARER_TOKEN),
                trustStore.isEmpty() ? null : Path.of(trustStore), secret(REGISTRY_TRUSTSTORE_PASSWORD),
                values.getString(REGISTRY_TRUSTSTORE_TYPE).trim().toUpperCase(Locale.ROOT),
                Duration.ofMillis(values.getInt(REGISTRY_CONNECT_TIMEOUT_MS)), Duration.ofMillis(values.getInt(REGISTRY_REQUEST_TIMEOUT_MS)),
                SubjectNameStrategy.parse(REGISTRY_SUBJECT_STRATEGY, values.getString(REGISTRY_SUBJECT_STRATEGY)));
    }
}
