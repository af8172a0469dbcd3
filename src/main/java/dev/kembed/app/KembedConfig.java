package dev.kembed.app;

import dev.kembed.app.config.Choice;
import dev.kembed.app.config.ChunksConfig;
import dev.kembed.app.config.IntakeConfig;
import dev.kembed.app.config.ConfigDocs;
import dev.kembed.app.config.ConfigErrors;
import dev.kembed.app.config.RemovedKeys;
import dev.kembed.app.config.EmbeddingConfig;
import dev.kembed.app.config.EngineConfig;
import dev.kembed.app.config.HttpConfig;
import dev.kembed.app.config.ModelDirCheck;
import dev.kembed.app.config.QueueConfig;
import dev.kembed.app.config.RegistryConfig;
import dev.kembed.app.config.RolloutConfig;
import dev.kembed.app.config.TopicsConfig;
import dev.kembed.engine.EngineSpec;
import dev.kembed.engine.queue.WorkerSettings;
import dev.kembed.http.HttpSettings;
import dev.kembed.stream.ChunkOutput;
import dev.kembed.stream.InputFormat;
import dev.kembed.stream.PipelineSettings;
import dev.kembed.text.EmbeddingSettings;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code kembed run}'s configuration, on Kafka's own {@link ConfigDef}: one definition per key
 * (type, default, validator, doc), typed accessors, and {@code --help} and the README table
 * generated from it. One properties file holds the {@code kembed.*} keys; every other key passes
 * through to Kafka Streams and its clients. Environment variables override the file:
 * {@code KEMBED_BATCH_MAX_TOKENS} sets {@code kembed.batch.max.tokens}, {@code KEMBED_KAFKA_BOOTSTRAP_SERVERS}
 * sets {@code bootstrap.servers}. Unknown {@code kembed.*} keys in the file are errors (a removed
 * one, file or environment, names what replaces it: {@link RemovedKeys}); unknown
 * {@code KEMBED_*} variables are logged and ignored (Kubernetes injects {@code KEMBED_SERVICE_HOST}
 * and the like into every pod). All errors are reported together, each naming its key.
 *
 * <p>The keys, their checks and the settings made from them live in their areas
 * ({@code dev.kembed.app.config}: engine, queue, topics, registry, chunks, embedding, HTTP); this
 * class assembles the areas, reads the file and the environment, and validates them all at once.
 */
public final class KembedConfig extends AbstractConfig {
    private static final Logger LOG = LoggerFactory.getLogger(KembedConfig.class);

    /** Every {@code kembed.*} key, defined in the order of {@code --help} and README's table. */
    static final ConfigDef DEF = definition();

    private final Properties kafka;
    private final TopicsConfig topics = new TopicsConfig(this);
    private final ChunksConfig chunks = new ChunksConfig(this);
    private final EngineConfig engine = new EngineConfig(this);
    private final EmbeddingConfig embedding = new EmbeddingConfig(this);
    private final QueueConfig queue = new QueueConfig(this);
    private final IntakeConfig intake = new IntakeConfig(this);
    private final RegistryConfig registry = new RegistryConfig(this);
    private final HttpConfig http = new HttpConfig(this);
    private final RolloutConfig rollout = new RolloutConfig(this);
    /** The rollout's configuration (the main one with the rollout's keys overlaid), or null without a rollout. */
    private KembedConfig rolloutConfig;

    /** The areas interleave in the table (it predates them, and README must not change), hence one call per run of keys. */
    private static ConfigDef definition() {
        ConfigDef def = new ConfigDef();
        TopicsConfig.defineTopics(def);
        ChunksConfig.define(def);
        TopicsConfig.defineInput(def);
        EngineConfig.define(def);
        EmbeddingConfig.defineWindows(def);
        QueueConfig.define(def);
        IntakeConfig.define(def);
        RegistryConfig.define(def);
        TopicsConfig.defineCreation(def);
        HttpConfig.defineMetrics(def);
        EmbeddingConfig.definePrompts(def);
        HttpConfig.defineHttp(def);
        RolloutConfig.define(def);
        return def;
    }

    private KembedConfig(Map<String, String> kembed, Properties kafka) {
        super(DEF, kembed, false);
        this.kafka = kafka;
    }

    public static KembedConfig load(Path file, Map<String, String> env) {
        return from(file == null ? new Properties() : readProperties(file), env);
    }

    /** A properties file as written; an unreadable file is refused naming it. */
    static Properties readProperties(Path file) {
        Properties raw = new Properties();
        try (Reader r = Files.newBufferedReader(file)) {
            raw.load(r);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read config file " + file + ": " + e.getMessage());
        }
        return raw;
    }

    /** The setting an environment variable names: {@code KEMBED_KAFKA_X_Y} is Kafka's {@code x.y}, {@code KEMBED_X_Y} is {@code kembed.x.y}. */
    static String settingOf(String envName) {
        if (envName.startsWith("KEMBED_KAFKA_")) {
            return envName.substring("KEMBED_KAFKA_".length()).toLowerCase(Locale.ROOT).replace('_', '.');
        }
        return "kembed." + envName.substring("KEMBED_".length()).toLowerCase(Locale.ROOT).replace('_', '.');
    }

    public static KembedConfig from(Properties raw, Map<String, String> env) {
        Properties merged = new Properties();
        merged.putAll(raw);
        new TreeMap<>(env).forEach((k, v) -> {
            if (k.startsWith("KEMBED_KAFKA_")) {
                merged.put(settingOf(k), v);
            } else if (k.startsWith("KEMBED_") && !k.equals("KEMBED_JAVA_OPTS") && !k.equals("KEMBED_LOG4J")) {
                String key = settingOf(k);
                if (DEF.names().contains(key) || RemovedKeys.removed(key)) { // a removed key fails start-up, from the environment too
                    merged.put(key, v);
                } else {
                    LOG.warn("ignoring environment variable {}: {} is not a kembed setting", k, key);
                }
            }
        });
        Map<String, String> kembed = new LinkedHashMap<>();
        Properties kafka = new Properties();
        ConfigErrors errors = new ConfigErrors();
        for (String name : new TreeSet<>(merged.stringPropertyNames())) {
            String v = merged.getProperty(name).trim();
            if (!name.startsWith("kembed.")) {
                kafka.put(name, merged.getProperty(name));
                continue;
            }
            ConfigDef.ConfigKey key = DEF.configKeys().get(name);
            if (key == null) {
                errors.add(RemovedKeys.removed(name) ? RemovedKeys.error(name) : name + " is not a kembed setting; see `kembed run --help` for the list");
                continue;
            }
            try {
                Object parsed = ConfigDef.parseType(name, v, key.type);
                if (key.validator != null) {
                    key.validator.ensureValid(name, parsed);
                }
                kembed.put(name, v);
            } catch (ConfigException e) {
                errors.failed(name, e.getMessage() + allowed(key));
            }
        }
        // the cross-field rules run on the values that parsed (the others at their defaults, and
        // rules naming them skipped), so one start-up reports every error at once
        KembedConfig c = new KembedConfig(kembed, kafka);
        c.crossCheck(errors);
        if (errors.isEmpty() && c.rollout.configured()) {
            c.rolloutConfig = c.overlaidRollout(kembed, errors);
        }
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException("invalid configuration:\n  " + String.join("\n  ", errors.list()));
        }
        return c;
    }

    /**
     * The rollout's configuration, validated by the same rules as the main one (its errors naming
     * the rollout keys), and the topics of the two kept apart: one writer per topic.
     */
    private KembedConfig overlaidRollout(Map<String, String> kembed, ConfigErrors errors) {
        Properties overlay = new Properties();
        overlay.putAll(kafka);
        overlay.putAll(rollout.overlay(kembed));
        KembedConfig r;
        try {
            r = from(overlay, Map.of());
        } catch (IllegalArgumentException e) {
            for (String line : e.getMessage().split("\n")) {
                if (!line.startsWith("invalid configuration")) {
                    errors.add(RolloutConfig.renamed(line.trim()));
                }
            }
            return null;
        }
        java.util.Set<String> mainTopics = new java.util.LinkedHashSet<>(java.util.List.of(inputTopic(), outputTopic(), dlqTopic()));
        if (chunkOutput() != null) {
            mainTopics.add(chunkOutput().topic());
        }
        if (mainTopics.contains(r.outputTopic())) {
            errors.add(RolloutConfig.OUTPUT_TOPIC + "=" + r.outputTopic() + " must differ from the input, output, dead-letter and chunks topics "
                    + "(the current model keeps writing to them during the rollout)");
        }
        if (r.chunkOutput() != null && mainTopics.contains(r.chunkOutput().topic())) {
            errors.add(RolloutConfig.CHUNKS_TOPIC + "=" + r.chunkOutput().topic() + " must differ from the input, output, dead-letter and chunks "
                    + "topics (the current model keeps writing to them during the rollout)");
        }
        return r;
    }

    /** The rollout's configuration ({@code kembed.rollout.*} over the main settings), or null when no rollout is set. */
    public KembedConfig rollout() {
        return rolloutConfig;
    }

    private static String allowed(ConfigDef.ConfigKey key) {
        if (key.validator instanceof Choice) {
            return "";
        }
        if (key.validator != null) {
            return " (allowed: " + key.validator + ")";
        }
        return key.type == Type.BOOLEAN ? " (allowed: true, false)" : "";
    }

    /** In the order errors have always been reported: the model directory first, the engine name last. */
    private void crossCheck(ConfigErrors errors) {
        ModelDirCheck.check(errors, engine, embedding);
        topics.check(errors);
        queue.check(errors, kafka);
        registry.check(errors, topics);
        chunks.check(errors, topics);
        http.check(errors);
        engine.check(errors);
        rollout.check(errors);
    }

    // ---- typed accessors: a typo'd setting does not compile ----

    public String inputTopic() {
        return topics.inputTopic();
    }

    public String outputTopic() {
        return topics.outputTopic();
    }

    public String dlqTopic() {
        return topics.dlqTopic();
    }

    public InputFormat inputFormat() {
        return topics.inputFormat();
    }

    public boolean topicsCreate() {
        return topics.topicsCreate();
    }

    public int topicsPartitions() {
        return topics.topicsPartitions();
    }

    public short topicsReplication() {
        return topics.topicsReplication();
    }

    /** The chunks topic and how chunks are made ({@code kembed.chunk.max.tokens=0}: one chunk per window), or null for none. */
    public ChunkOutput chunkOutput() {
        return chunks.chunkOutput();
    }

    public String registryUrl() {
        return registry.registryUrl();
    }

    /** The longest pause between start-up attempts to register the output schemas. */
    public Duration registryRetryBackoffMax() {
        return registry.retryBackoffMax();
    }

    /** Checked at start-up: an existing checkpoint directory. */
    public Path modelDir() {
        return engine.modelDir();
    }

    /** @param dataDir where the GPU engines keep their built engines ({@code <data-dir>/engines}) */
    public EngineSpec engineSpec(Path dataDir) {
        return engine.engineSpec(dataDir, queue.engineThreads(), embeddingSettings().globalCls());
    }

    /**
     * The engine spec for the model whose attention window is {@code modelMaxTokens}: with late
     * chunking, the graph pools as many chunk slots per window as the windows and chunks can need.
     */
    public EngineSpec engineSpec(Path dataDir, int modelMaxTokens) {
        return chunks.withChunkSlots(engineSpec(dataDir), modelMaxTokens);
    }

    /**
     * How documents become vectors: the settings as given, over the defaults of a sentence-transformers
     * model directory (pooling, normalize, max_seq_length, prompts) where the model has one.
     */
    public EmbeddingSettings embeddingSettings() {
        return embedding.embeddingSettings(engine);
    }

    public WorkerSettings workerSettings() {
        return queue.workerSettings();
    }

    public PipelineSettings pipelineSettings() {
        return topics.pipelineSettings(chunkOutput(), registry.registrySettings(), queue.drainIntervalMs(), embedding.windowReuse(),
                embedding.cacheMaxBytes(), intake, chunks.chunkTextMaxBytes());
    }

    public int metricsPort() {
        return http.metricsPort();
    }

    public int httpPort() {
        return http.httpPort();
    }

    /** The query API's bind address ({@code kembed.http.host}), or null for every interface. */
    public String httpHost() {
        return http.httpHost();
    }

    /** The key {@code /metrics} requires ({@code kembed.http.metrics.auth}), or null when it is open. */
    public String metricsKey() {
        return http.metricsKey();
    }

    /** The query routes' limits; {@code kembed.input.max.chars} bounds each input as it bounds a document. */
    public HttpSettings httpSettings() {
        return http.httpSettings(topics.inputMaxChars());
    }

    /** Kafka Streams / client properties as given (pass-through). */
    public Properties kafka() {
        Properties p = new Properties();
        p.putAll(kafka);
        return p;
    }

    /** The keys with their defaults and documentation, for {@code kembed run --help}. */
    public static String help() {
        return ConfigDocs.help(DEF);
    }
}
