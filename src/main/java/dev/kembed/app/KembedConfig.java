package dev.kembed.app;

import dev.kembed.engine.BatchPolicy;
import dev.kembed.stream.EmbeddingSettings;
import dev.kembed.stream.InputFormat;
import dev.kembed.stream.PipelineSettings;
import dev.kembed.text.GlobalAttention;
import dev.kembed.text.Pooling;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * {@code kembed run}'s configuration: one properties file in which Kafka Streams / client
 * properties pass through and kembed's own keys live under {@code kembed.*}. Environment
 * variables override the file: {@code KEMBED_BATCH_MAX_TOKENS} sets {@code kembed.batch.max.tokens},
 * {@code KEMBED_KAFKA_BOOTSTRAP_SERVERS} sets {@code bootstrap.servers}. Every kembed key is
 * validated at start-up, cross-field rules included; errors name the key and the allowed values.
 */
public final class KembedConfig {
    static final List<ConfigKey> KEYS = List.of(
            ConfigKey.string("kembed.input.topic", "documents", "topic of document events (key = document id)"),
            ConfigKey.string("kembed.output.topic", "embeddings", "topic of embedding records (Avro, registry wire format)"),
            ConfigKey.optional("kembed.dlq.topic", "dead-letter topic; unset = <input topic>-dlq"),
            ConfigKey.optional("kembed.windows.topic", "optional topic with one record per window, for RAG indexers"),
            ConfigKey.choice("kembed.input.format", "json", List.of("avro", "json", "text"), "input value encoding"),
            ConfigKey.integer("kembed.input.max.chars", 5_000_000, 1, Integer.MAX_VALUE, "longer texts go to the DLQ"),
            ConfigKey.optional("kembed.model.dir", "model directory (config.json, weights, tokenizer); required"),
            ConfigKey.integer("kembed.model.threads", 0, 0, 1024, "ONNX Runtime intra-op threads (0 = all cores)"),
            ConfigKey.choice("kembed.pooling", "mean", List.of("mean", "cls"), "how token states become one vector"),
            ConfigKey.choice("kembed.global.attention", "auto", List.of("none", "cls", "auto"), "Longformer global attention on <s>"),
            ConfigKey.bool("kembed.normalize", false, "L2-normalise document vectors"),
            ConfigKey.integer("kembed.window.max.tokens", 0, 0, 1 << 20, "window size incl. specials (0 = the model's maximum)"),
            ConfigKey.integer("kembed.window.overlap", 0, 0, 1 << 20, "tokens shared by consecutive windows"),
            ConfigKey.integer("kembed.batch.max.tokens", 16384, 1, Integer.MAX_VALUE, "padded tokens per batch (windows x bucket length)"),
            ConfigKey.integer("kembed.batch.max.windows", 64, 1, 100_000, "windows per batch"),
            ConfigKey.longValue("kembed.batch.max.wait.ms", 50, 0, 600_000, "how long a window may wait for a fuller batch"),
            ConfigKey.integer("kembed.batch.bucket.tokens", 0, 0, 1 << 20, "length bucket width (0 = the model's attention window)"),
            ConfigKey.integer("kembed.queue.max.windows", 1024, 1, 10_000_000, "windows queued per process before tasks wait"),
            ConfigKey.longValue("kembed.queue.max.block.ms", 10_000, 0, 3_600_000, "longest a task waits for queue space"),
            ConfigKey.integer("kembed.engine.threads", 1, 1, 64, "threads running batches on the engine"),
            ConfigKey.integer("kembed.engine.retries", 2, 0, 100, "retries of a failed batch before its documents go to the DLQ"),
            ConfigKey.longValue("kembed.engine.retry.backoff.ms", 200, 0, 600_000, "first retry delay (doubles each retry)"),
            ConfigKey.longValue("kembed.drain.interval.ms", 20, 1, 60_000, "how often idle tasks pick up finished windows"),
            ConfigKey.string("kembed.schema.registry.url", "mock://kembed", "Confluent-compatible registry URL, or mock://scope (in-JVM)"),
            ConfigKey.bool("kembed.topics.create", true, "create missing topics; false = refuse to start if one is missing"),
            ConfigKey.integer("kembed.topics.partitions", 4, 1, 100_000, "partitions of topics kembed creates"),
            ConfigKey.integer("kembed.topics.replication", 1, 1, 32, "replication factor of topics kembed creates"),
            ConfigKey.integer("kembed.metrics.port", 0, 0, 65535, "Prometheus /metrics port (0 = off)"));

    private final Map<String, String> kembed;
    private final Properties kafka;

    private KembedConfig(Map<String, String> kembed, Properties kafka) {
        this.kembed = kembed;
        this.kafka = kafka;
    }

    public static KembedConfig load(Path file, Map<String, String> env) {
        Properties raw = new Properties();
        if (file != null) {
            try (Reader r = Files.newBufferedReader(file)) {
                raw.load(r);
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read config file " + file + ": " + e.getMessage());
            }
        }
        return from(raw, env);
    }

    public static KembedConfig from(Properties raw, Map<String, String> env) {
        Properties merged = new Properties();
        merged.putAll(raw);
        env.forEach((k, v) -> {
            if (k.startsWith("KEMBED_KAFKA_")) {
                merged.put(k.substring("KEMBED_KAFKA_".length()).toLowerCase(Locale.ROOT).replace('_', '.'), v);
            } else if (k.startsWith("KEMBED_") && !k.equals("KEMBED_JAVA_OPTS") && !k.equals("KEMBED_LOG4J")) {
                merged.put("kembed." + k.substring("KEMBED_".length()).toLowerCase(Locale.ROOT).replace('_', '.'), v);
            }
        });
        Map<String, String> kembed = new LinkedHashMap<>();
        Properties kafka = new Properties();
        List<String> errors = new ArrayList<>();
        for (String name : merged.stringPropertyNames()) {
            String v = merged.getProperty(name);
            if (name.startsWith("kembed.")) {
                ConfigKey key = KEYS.stream().filter(k -> k.name().equals(name)).findFirst().orElse(null);
                if (key == null) {
                    errors.add(name + " is not a kembed setting; see `kembed run --help` for the list");
                    continue;
                }
                String err = key.check(v);
                if (err != null) {
                    errors.add(err);
                }
                kembed.put(name, v.trim());
            } else {
                kafka.put(name, v);
            }
        }
        for (ConfigKey k : KEYS) {
            kembed.putIfAbsent(k.name(), k.defaultValue());
        }
        KembedConfig c = new KembedConfig(kembed, kafka);
        if (errors.isEmpty()) {
            c.crossCheck(errors);
        }
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException("invalid configuration:\n  " + String.join("\n  ", errors));
        }
        return c;
    }

    private void crossCheck(List<String> errors) {
        if (str("kembed.output.topic").equals(str("kembed.input.topic"))) {
            errors.add("kembed.output.topic must differ from kembed.input.topic");
        }
        if (dlqTopic().equals(str("kembed.input.topic")) || dlqTopic().equals(str("kembed.output.topic"))) {
            errors.add("kembed.dlq.topic must differ from the input and output topics");
        }
        long maxPoll = Long.parseLong(kafka.getProperty("max.poll.interval.ms", "300000"));
        if (lng("kembed.queue.max.block.ms") * 2 > maxPoll) {
            errors.add("kembed.queue.max.block.ms=" + lng("kembed.queue.max.block.ms") + " must be at most half of max.poll.interval.ms ("
                    + maxPoll + ") or a waiting stream thread gets fenced");
        }
        if (str("kembed.input.format").equalsIgnoreCase("avro") && str("kembed.schema.registry.url").startsWith("mock://")) {
            errors.add("kembed.input.format=avro needs the registry your producers use: set kembed.schema.registry.url to its http(s) URL"
                    + " (mock:// is only visible inside this JVM)");
        }
        int maxTokens = integer("kembed.window.max.tokens");
        if (maxTokens > 0 && integer("kembed.window.overlap") >= maxTokens - 2) {
            errors.add("kembed.window.overlap must be smaller than kembed.window.max.tokens - 2");
        }
    }

    /** Checks that need the model: window size and batch budget against the model's limits. */
    void checkAgainstModel(int modelMaxTokens, int padMultiple) {
        List<String> errors = new ArrayList<>();
        int maxTokens = windowTokens(modelMaxTokens);
        if (integer("kembed.window.max.tokens") > modelMaxTokens) {
            errors.add("kembed.window.max.tokens=" + integer("kembed.window.max.tokens") + " exceeds the model's " + modelMaxTokens + " positions");
        }
        if (integer("kembed.window.overlap") >= maxTokens - 2) {
            errors.add("kembed.window.overlap=" + integer("kembed.window.overlap") + " must be smaller than the window's " + (maxTokens - 2) + " content tokens");
        }
        int bucket = bucketTokens(padMultiple);
        int longest = (maxTokens + bucket - 1) / bucket * bucket;
        if (integer("kembed.batch.max.tokens") < longest) {
            errors.add("kembed.batch.max.tokens=" + integer("kembed.batch.max.tokens") + " cannot hold one full window (" + longest
                    + " padded tokens); raise it or lower kembed.window.max.tokens");
        }
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException("invalid configuration:\n  " + String.join("\n  ", errors));
        }
    }

    int windowTokens(int modelMaxTokens) {
        int v = integer("kembed.window.max.tokens");
        return v > 0 ? v : modelMaxTokens;
    }

    int bucketTokens(int padMultiple) {
        int v = integer("kembed.batch.bucket.tokens");
        return v > 0 ? v : padMultiple;
    }

    public String str(String key) {
        return kembed.get(key);
    }

    public int integer(String key) {
        return Integer.parseInt(kembed.get(key));
    }

    public long lng(String key) {
        return Long.parseLong(kembed.get(key));
    }

    public boolean bool(String key) {
        return Boolean.parseBoolean(kembed.get(key));
    }

    public String dlqTopic() {
        String v = str("kembed.dlq.topic");
        return v.isEmpty() ? str("kembed.input.topic") + "-dlq" : v;
    }

    public String windowsTopic() {
        String v = str("kembed.windows.topic");
        return v.isEmpty() ? null : v;
    }

    /** Kafka Streams / client properties as given (pass-through). */
    public Properties kafka() {
        Properties p = new Properties();
        p.putAll(kafka);
        return p;
    }

    public Path modelDir() {
        String v = str("kembed.model.dir");
        if (v.isEmpty()) {
            throw new IllegalArgumentException("kembed.model.dir is required: the directory of a checkpoint (config.json, weights, tokenizer)");
        }
        return Path.of(v);
    }

    public EmbeddingSettings embeddingSettings() {
        return new EmbeddingSettings(Pooling.parse("kembed.pooling", str("kembed.pooling")),
                GlobalAttention.parse("kembed.global.attention", str("kembed.global.attention")), bool("kembed.normalize"),
                integer("kembed.window.max.tokens"), integer("kembed.window.overlap"), integer("kembed.batch.max.tokens"));
    }

    public PipelineSettings pipelineSettings(int padMultiple) {
        return new PipelineSettings(str("kembed.input.topic"), str("kembed.output.topic"), dlqTopic(), windowsTopic(),
                InputFormat.parse("kembed.input.format", str("kembed.input.format")), integer("kembed.input.max.chars"),
                str("kembed.schema.registry.url"), embeddingSettings(),
                new BatchPolicy(integer("kembed.batch.max.tokens"), integer("kembed.batch.max.windows"), lng("kembed.batch.max.wait.ms"),
                        bucketTokens(padMultiple)),
                integer("kembed.queue.max.windows"), lng("kembed.queue.max.block.ms"), integer("kembed.engine.threads"),
                integer("kembed.engine.retries"), lng("kembed.engine.retry.backoff.ms"), lng("kembed.drain.interval.ms"));
    }

    static String help() {
        StringBuilder sb = new StringBuilder("kembed.* keys (env: KEMBED_<KEY>, dots as underscores), with defaults:\n");
        KEYS.forEach(k -> sb.append(k.describe()).append('\n'));
        sb.append("Any other key is passed to Kafka Streams and its clients (env: KEMBED_KAFKA_<KEY>).\n")
                .append("Defaults kembed sets: processing.guarantee=exactly_once_v2, application.id=kembed.\n")
                .append("Without bootstrap.servers kembed starts its own single-node KRaft broker.\n");
        return sb.toString();
    }
}
