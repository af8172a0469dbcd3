package dev.kembed.app;

import dev.kembed.setting.Choices;
import dev.kembed.engine.EngineFactory;
import dev.kembed.engine.EngineSpec;
import dev.kembed.engine.gpu.GpuSettings;
import dev.kembed.serde.RegistrySettings;
import dev.kembed.text.Boundaries;
import dev.kembed.serde.SubjectNameStrategy;
import dev.kembed.engine.Precision;
import dev.kembed.engine.queue.SchedulingPolicy;
import dev.kembed.engine.queue.WorkerSettings;
import dev.kembed.http.HttpSettings;
import dev.kembed.stream.ChunkOutput;
import dev.kembed.stream.InputFormat;
import dev.kembed.text.ChunkContext;
import dev.kembed.text.Chunker;
import dev.kembed.text.LateChunks;
import dev.kembed.stream.PipelineSettings;
import dev.kembed.text.EmbeddingSettings;
import dev.kembed.text.GlobalAttention;
import dev.kembed.text.Pooling;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
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
 * sets {@code bootstrap.servers}. Unknown {@code kembed.*} keys in the file are errors; unknown
 * {@code KEMBED_*} variables are logged and ignored (Kubernetes injects {@code KEMBED_SERVICE_HOST}
 * and the like into every pod). All errors are reported together, each naming its key.
 */
public final class KembedConfig extends AbstractConfig {
    private static final Logger LOG = LoggerFactory.getLogger(KembedConfig.class);

    public static final String INPUT_TOPIC = "kembed.input.topic";
    public static final String OUTPUT_TOPIC = "kembed.output.topic";
    public static final String DLQ_TOPIC = "kembed.dlq.topic";
    public static final String WINDOWS_TOPIC = "kembed.windows.topic";
    public static final String CHUNKS_TOPIC = "kembed.chunks.topic";
    public static final String CHUNK_MAX_TOKENS = "kembed.chunk.max.tokens";
    public static final String CHUNK_CONTEXT = "kembed.chunk.context";
    public static final String CHUNK_TEXT = "kembed.chunk.text";
    public static final String INPUT_FORMAT = "kembed.input.format";
    public static final String INPUT_MAX_CHARS = "kembed.input.max.chars";
    public static final String MODEL_DIR = "kembed.model.dir";
    public static final String MODEL_THREADS = "kembed.model.threads";
    public static final String ENGINE = "kembed.engine";
    public static final String PRECISION = "kembed.precision";
    public static final String ENGINE_BUCKETS = "kembed.engine.buckets";
    public static final String ENGINE_BATCH = "kembed.engine.batch";
    public static final String ENGINE_GLOBAL_SLOTS = "kembed.engine.global.slots";
    public static final String ENGINE_DEVICE = "kembed.engine.device";
    public static final String ENGINE_ORT_TENSORRT = "kembed.engine.onnxruntime.tensorrt";
    public static final String POOLING = "kembed.pooling";
    public static final String GLOBAL_ATTENTION = "kembed.global.attention";
    public static final String NORMALIZE = "kembed.normalize";
    public static final String WINDOW_MAX_TOKENS = "kembed.window.max.tokens";
    public static final String WINDOW_OVERLAP = "kembed.window.overlap";
    public static final String WINDOW_BOUNDARIES = "kembed.window.boundaries";
    public static final String WINDOW_REUSE = "kembed.window.reuse";
    public static final String CACHE_MAX_BYTES = "kembed.cache.max.bytes";
    public static final String BATCH_MAX_TOKENS = "kembed.batch.max.tokens";
    public static final String BATCH_MAX_WINDOWS = "kembed.batch.max.windows";
    public static final String BATCH_MAX_WAIT_MS = "kembed.batch.max.wait.ms";
    public static final String BATCH_BUCKET_TOKENS = "kembed.batch.bucket.tokens";
    public static final String QUEUE_MAX_WINDOWS = "kembed.queue.max.windows";
    public static final String QUEUE_MAX_BLOCK_MS = "kembed.queue.max.block.ms";
    public static final String QUEUE_POLICY = "kembed.queue.policy";
    public static final String QUEUE_MAX_DELAY_MS = "kembed.queue.max.delay.ms";
    public static final String ENGINE_THREADS = "kembed.engine.threads";
    public static final String ENGINE_RETRIES = "kembed.engine.retries";
    public static final String ENGINE_RETRY_BACKOFF_MS = "kembed.engine.retry.backoff.ms";
    public static final String DRAIN_INTERVAL_MS = "kembed.drain.interval.ms";
    public static final String SCHEMA_REGISTRY_URL = "kembed.schema.registry.url";
    public static final String REGISTRY_BASIC_AUTH = "kembed.schema.registry.basic.auth.user.info";
    public static final String REGISTRY_BEARER_TOKEN = "kembed.schema.registry.bearer.auth.token";
    public static final String REGISTRY_TRUSTSTORE = "kembed.schema.registry.ssl.truststore.location";
    public static final String REGISTRY_TRUSTSTORE_PASSWORD = "kembed.schema.registry.ssl.truststore.password";
    public static final String REGISTRY_TRUSTSTORE_TYPE = "kembed.schema.registry.ssl.truststore.type";
    public static final String REGISTRY_CONNECT_TIMEOUT_MS = "kembed.schema.registry.connect.timeout.ms";
    public static final String REGISTRY_REQUEST_TIMEOUT_MS = "kembed.schema.registry.request.timeout.ms";
    public static final String REGISTRY_SUBJECT_STRATEGY = "kembed.schema.registry.subject.name.strategy";
    public static final String TOPICS_CREATE = "kembed.topics.create";
    public static final String TOPICS_PARTITIONS = "kembed.topics.partitions";
    public static final String TOPICS_REPLICATION = "kembed.topics.replication";
    public static final String METRICS_PORT = "kembed.metrics.port";
    public static final String PROMPT = "kembed.prompt";
    public static final String PROMPT_NAME = "kembed.prompt.name";
    public static final String HTTP_PORT = "kembed.http.port";
    public static final String HTTP_API_KEY = "kembed.http.api.key";
    public static final String HTTP_MAX_BODY_BYTES = "kembed.http.max.body.bytes";
    public static final String HTTP_MAX_INPUTS = "kembed.http.max.inputs";
    public static final String HTTP_MAX_CONCURRENT = "kembed.http.max.concurrent.requests";
    public static final String HTTP_REQUEST_TIMEOUT_MS = "kembed.http.request.timeout.ms";

    static final ConfigDef DEF = new ConfigDef()
            .define(INPUT_TOPIC, Type.STRING, "documents", new ConfigDef.NonEmptyString(), Importance.HIGH,
                    "Topic of document events (key = document id).")
            .define(OUTPUT_TOPIC, Type.STRING, "embeddings", new ConfigDef.NonEmptyString(), Importance.HIGH,
                    "Topic of embedding records (Avro, registry wire format).")
            .define(DLQ_TOPIC, Type.STRING, "", Importance.MEDIUM, "Dead-letter topic; empty = <input topic>-dlq.")
            .define(CHUNKS_TOPIC, Type.STRING, "", Importance.MEDIUM,
                    "Topic of chunk records for a vector index (schemas/chunk_embedding.avsc), key <id>#<chunk index>: written with "
                            + "their document in one transaction, retracted by tombstones (README \"Feeding a vector index\"); empty = none.")
            .define(CHUNK_MAX_TOKENS, Type.INT, 256, Range.between(0, 1 << 20), Importance.MEDIUM,
                    "Chunk size in content tokens, cut at paragraph, sentence or whitespace boundaries like kembed.window.boundaries=text, "
                            + "independently of the windows; 0 = one chunk per window.")
            .define(CHUNK_CONTEXT, Type.STRING, "window", Choice.of(ChunkContext.class), Importance.MEDIUM,
                    "window: late chunking (a chunk's vector is the mean of its token states read in its whole window, from the windows "
                            + "the document runs in anyway; mean pooling only); chunk: each chunk's text also runs alone as its own sequence.")
            .define(CHUNK_TEXT, Type.BOOLEAN, true, Importance.LOW, "Chunk records carry the chunk's text (null for pre-tokenized input).")
            .define(WINDOWS_TOPIC, Type.STRING, "", Importance.LOW,
                    "Deprecated alias of kembed.chunks.topic with kembed.chunk.max.tokens=0 (one chunk record per window); logs a "
                            + "warning. Removed in the next release.")
            .define(INPUT_FORMAT, Type.STRING, "json", Choice.of(InputFormat.class), Importance.HIGH,
                    "Input value encoding: json, avro (registry wire format, schemas/document.avsc) or text.")
            .define(INPUT_MAX_CHARS, Type.INT, 5_000_000, Range.atLeast(1), Importance.MEDIUM, "Longer texts go to the DLQ.")
            .define(MODEL_DIR, Type.STRING, "", Importance.HIGH, "Checkpoint directory (config.json, weights, tokenizer). Required.")
            .define(MODEL_THREADS, Type.INT, 0, Range.between(0, 1024), Importance.MEDIUM,
                    "Intra-op threads per engine call (0 = all cores).")
            .define(ENGINE, Type.STRING, EngineFactory.AUTO, Importance.HIGH,
                    "Engine by name: tensorrt, onnxruntime-gpu, onnxruntime-cpu; auto picks the first of these that can run here.")
            .define(PRECISION, Type.STRING, "fp32", Choice.of(Precision.class), Importance.MEDIUM,
                    "Numeric precision; the engine must support it. int8 (onnxruntime-cpu): quantized linear layers, "
                            + "document vectors within cosine 0.99 of fp32; see README \"int8 on the CPU\".")
            .define(ENGINE_BUCKETS, Type.LIST, "", new Lengths(), Importance.LOW,
                    "GPU engines: static window lengths, e.g. 512,1024,2048,4096 (empty = those, up to the model's limit, "
                            + "which is always added). The queue batches by these too.")
            .define(ENGINE_BATCH, Type.INT, 8, Range.between(1, 1024), Importance.LOW,
                    "GPU engines: windows per call; tensorrt builds one engine per (batch, length).")
            .define(ENGINE_GLOBAL_SLOTS, Type.INT, 1, Range.between(1, 64), Importance.LOW,
                    "tensorrt: global tokens per window its static graphs hold (cls pooling uses 1).")
            .define(ENGINE_DEVICE, Type.INT, 0, Range.between(0, 64), Importance.LOW, "GPU engines: CUDA device index.")
            .define(ENGINE_ORT_TENSORRT, Type.BOOLEAN, false, Importance.LOW,
                    "onnxruntime-gpu: run through ONNX Runtime's TensorRT provider (needed for fp16); engines cached under the data directory.")
            .define(POOLING, Type.STRING, "mean", Choice.of(Pooling.class), Importance.HIGH,
                    "How token states become one vector.")
            .define(GLOBAL_ATTENTION, Type.STRING, "auto", Choice.of(GlobalAttention.class), Importance.MEDIUM,
                    "Longformer global attention on <s>: auto = cls for cls pooling, none for mean.")
            .define(NORMALIZE, Type.BOOLEAN, false, Importance.MEDIUM, "L2-normalise document vectors.")
            .define(WINDOW_MAX_TOKENS, Type.INT, 0, Range.between(0, 1 << 20), Importance.MEDIUM,
                    "Window size incl. <s> and </s> (0 = the model's maximum).")
            .define(WINDOW_OVERLAP, Type.INT, 0, Range.between(0, 1 << 20), Importance.MEDIUM, "Tokens shared by consecutive windows.")
            .define(WINDOW_REUSE, Type.BOOLEAN, true, Importance.MEDIUM,
                    "Reuse the result of a window whose identity (model, precision, ids, masks) is unchanged: from the document's "
                            + "previous version (kept in a changelogged store) or from the shared cache.")
            .define(CACHE_MAX_BYTES, Type.LONG, 64L << 20, Range.between(0L, Long.MAX_VALUE), Importance.LOW,
                    "Window results cached per process for all tasks (repeated boilerplate across documents); 0 = off. Empty after a restart.")
            .define(WINDOW_BOUNDARIES, Type.STRING, "fixed", Choice.of(Boundaries.class), Importance.MEDIUM,
                    "fixed: a window every max tokens; text: cut at the latest paragraph break, else sentence end, else whitespace in the "
                            + "last quarter of the window, so an edit changes only nearby windows (README \"Window boundaries\").")
            .define(BATCH_MAX_TOKENS, Type.INT, 0, Range.atLeast(0), Importance.MEDIUM,
                    "Padded tokens per batch (windows x bucket length); must hold one full window. 0 = as the engine batches best: "
                            + "one maximal window on CPU engines (larger batches do not raise their throughput, they only hold the engine "
                            + "longer), a full static batch on TensorRT, else 16384.")
            .define(BATCH_MAX_WINDOWS, Type.INT, 64, Range.between(1, 100_000), Importance.MEDIUM, "Windows per batch.")
            .define(BATCH_MAX_WAIT_MS, Type.LONG, 50L, Range.between(0, 600_000), Importance.MEDIUM,
                    "How long a window may wait for a fuller batch.")
            .define(BATCH_BUCKET_TOKENS, Type.INT, 0, Range.between(0, 1 << 20), Importance.LOW,
                    "Length-bucket width: batches only mix windows of one bucket (0 = the model's attention window).")
            .define(QUEUE_MAX_WINDOWS, Type.INT, 1024, Range.between(1, 10_000_000), Importance.MEDIUM,
                    "Windows queued per process before tasks wait (backpressure).")
            .define(QUEUE_MAX_BLOCK_MS, Type.LONG, 10_000L, Range.between(0, 3_600_000), Importance.LOW,
                    "Longest a stream thread waits for queue space between two polls, in all its process() and init() calls "
                            + "together, whatever the number of windows (the rest stay pending and go later; punctuations never wait); "
                            + "at most half of max.poll.interval.ms.")
            .define(QUEUE_POLICY, Type.STRING, "shortest-first", Choice.of(SchedulingPolicy.class), Importance.MEDIUM,
                    "Which queued window runs next: shortest-first (the document with the fewest tokens left goes first, so a short "
                            + "document never waits behind a long one) or fifo (oldest first, for comparison).")
            .define(QUEUE_MAX_DELAY_MS, Type.LONG, 30_000L, Range.between(0, 86_400_000), Importance.LOW,
                    "shortest-first: a window that has waited this long goes first whatever its document's size (the starvation "
                            + "bound); at least kembed.batch.max.wait.ms.")
            .define(ENGINE_THREADS, Type.INT, 1, Range.between(1, 64), Importance.MEDIUM, "Workers running batches on the engine.")
            .define(ENGINE_RETRIES, Type.INT, 2, Range.between(0, 100), Importance.LOW, "Retries of a transient engine failure.")
            .define(ENGINE_RETRY_BACKOFF_MS, Type.LONG, 200L, Range.between(0, 600_000), Importance.LOW,
                    "First retry delay (doubles each retry); also the first pause between health checks while the engine is down.")
            .define(DRAIN_INTERVAL_MS, Type.LONG, 20L, Range.between(1, 60_000), Importance.LOW,
                    "How often idle tasks pick up finished windows.")
            .define(SCHEMA_REGISTRY_URL, Type.LIST, "mock://kembed", Importance.HIGH,
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
            .define(TOPICS_CREATE, Type.BOOLEAN, true, Importance.MEDIUM, "Create missing topics; false = refuse to start if one is missing.")
            .define(TOPICS_PARTITIONS, Type.INT, 4, Range.between(1, 100_000), Importance.LOW, "Partitions of topics kembed creates.")
            .define(TOPICS_REPLICATION, Type.INT, 1, Range.between(1, 32), Importance.LOW, "Replication factor of topics kembed creates.")
            .define(METRICS_PORT, Type.INT, 0, Range.between(0, 65535), Importance.MEDIUM,
                    "Port of /metrics (Prometheus) and /health (0 = off).")
            .define(PROMPT, Type.STRING, "", Importance.MEDIUM,
                    "Text that starts every window after <s> (a sentence-transformers prompt such as 'search_document: '); part of the "
                            + "model fingerprint. Empty = the model directory's default prompt, if any.")
            .define(PROMPT_NAME, Type.STRING, "", Importance.MEDIUM,
                    "A prompt of the model's sentence-transformers directory by name (config_sentence_transformers.json), e.g. document.")
            .define(HTTP_PORT, Type.INT, 0, Range.between(0, 65535), Importance.MEDIUM,
                    "Port of the query API (POST /embed, POST /v1/embeddings, GET /info; also /metrics and /health), answered from the "
                            + "stream's engine, window plan and fingerprint, ahead of queued document windows (0 = off). May equal "
                            + "kembed.metrics.port.")
            .define(HTTP_API_KEY, Type.PASSWORD, null, Importance.MEDIUM,
                    "Bearer token the query routes require (Authorization: Bearer <key>); unset = none. Never logged.")
            .define(HTTP_MAX_BODY_BYTES, Type.INT, HttpSettings.DEFAULT_MAX_BODY_BYTES, Range.between(1024, 1 << 30),
                    Importance.LOW, "Larger request bodies are refused with 413.")
            .define(HTTP_MAX_INPUTS, Type.INT, HttpSettings.DEFAULT_MAX_INPUTS, Range.between(1, 100_000), Importance.LOW,
                    "Inputs per request; more are refused with 413.")
            .define(HTTP_MAX_CONCURRENT, Type.INT, HttpSettings.DEFAULT_MAX_CONCURRENT, Range.between(1, 4096),
                    Importance.LOW, "Requests embedding at once; one more is refused with 429 and Retry-After.")
            .define(HTTP_REQUEST_TIMEOUT_MS, Type.LONG, HttpSettings.DEFAULT_TIMEOUT_MS, Range.between(100, 3_600_000),
                    Importance.LOW, "The longest a query waits for the engine; then 503 with Retry-After (the engine is down or overloaded).");

    private final Properties kafka;

    /** A list of window lengths: positive integers. */
    static final class Lengths implements ConfigDef.Validator {
        @Override
        public void ensureValid(String name, Object value) {
            for (Object o : (List<?>) value) {
                String s = o.toString().trim();
                if (!s.matches("[0-9]{1,6}") || Integer.parseInt(s) < 1) {
                    throw new ConfigException(name, value, "'" + s + "' is not a length");
                }
            }
        }

        @Override
        public String toString() {
            return "a list of positive integers, e.g. 512,1024,2048,4096";
        }
    }

    /** One of a few lower-case words, case-insensitively; its message lists them. */
    record Choice(List<String> allowed) implements ConfigDef.Validator {
        static Choice of(String... allowed) {
            return new Choice(List.of(allowed));
        }

        static <E extends Enum<E>> Choice of(Class<E> type) {
            return new Choice(Choices.labels(type));
        }

        @Override
        public void ensureValid(String name, Object value) {
            if (value == null || !allowed.contains(value.toString().trim().toLowerCase(Locale.ROOT))) {
                throw new ConfigException(name, value, "allowed: " + this);
            }
        }

        @Override
        public String toString() {
            return String.join(", ", allowed);
        }
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
                if (DEF.names().contains(key)) {
                    merged.put(key, v);
                } else {
                    LOG.warn("ignoring environment variable {}: {} is not a kembed setting", k, key);
                }
            }
        });
        Map<String, String> kembed = new LinkedHashMap<>();
        Properties kafka = new Properties();
        List<String> errors = new ArrayList<>();
        Set<String> failed = new HashSet<>();
        for (String name : new TreeSet<>(merged.stringPropertyNames())) {
            String v = merged.getProperty(name).trim();
            if (!name.startsWith("kembed.")) {
                kafka.put(name, merged.getProperty(name));
                continue;
            }
            ConfigDef.ConfigKey key = DEF.configKeys().get(name);
            if (key == null) {
                errors.add(name + " is not a kembed setting; see `kembed run --help` for the list");
                continue;
            }
            try {
                Object parsed = ConfigDef.parseType(name, v, key.type);
                if (key.validator != null) {
                    key.validator.ensureValid(name, parsed);
                }
                kembed.put(name, v);
            } catch (ConfigException e) {
                errors.add(e.getMessage() + allowed(key));
                failed.add(name);
            }
        }
        // the cross-field rules run on the values that parsed (the others at their defaults, and
        // rules naming them skipped), so one start-up reports every error at once
        KembedConfig c = new KembedConfig(kembed, kafka);
        c.crossCheck(errors, failed);
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException("invalid configuration:\n  " + String.join("\n  ", errors));
        }
        return c;
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

    private void crossCheck(List<String> errors, Set<String> failed) {
        if (parsed(failed, MODEL_DIR)) {
            String problem = modelDirProblem(getString(MODEL_DIR).trim());
            if (problem != null) {
                errors.add(problem);
            } else if (parsed(failed, POOLING, NORMALIZE, WINDOW_MAX_TOKENS, WINDOW_OVERLAP, WINDOW_BOUNDARIES, GLOBAL_ATTENTION)) {
                try { // a sentence-transformers directory's modules and prompts, with the prompt settings
                    embeddingSettings();
                } catch (IllegalArgumentException | dev.kembed.model.checkpoint.CheckpointException e) {
                    errors.add(e.getMessage());
                }
            }
        }
        if (parsed(failed, INPUT_TOPIC, OUTPUT_TOPIC) && outputTopic().equals(inputTopic())) {
            errors.add(OUTPUT_TOPIC + " must differ from " + INPUT_TOPIC);
        }
        if (parsed(failed, INPUT_TOPIC, OUTPUT_TOPIC, DLQ_TOPIC) && (dlqTopic().equals(inputTopic()) || dlqTopic().equals(outputTopic()))) {
            errors.add(DLQ_TOPIC + " must differ from the input and output topics");
        }
        Long maxPoll = null;
        try {
            maxPoll = Long.parseLong(kafka.getProperty("max.poll.interval.ms", "300000").trim());
        } catch (NumberFormatException e) {
            errors.add("max.poll.interval.ms=" + kafka.getProperty("max.poll.interval.ms") + " is not a number of milliseconds");
        }
        if (maxPoll != null && parsed(failed, QUEUE_MAX_BLOCK_MS) && queueMaxBlockMs() * 2 > maxPoll) {
            errors.add(QUEUE_MAX_BLOCK_MS + "=" + queueMaxBlockMs() + " must be at most half of max.poll.interval.ms (" + maxPoll
                    + ") or a waiting stream thread gets fenced");
        }
        if (parsed(failed, QUEUE_MAX_DELAY_MS, BATCH_MAX_WAIT_MS) && getLong(QUEUE_MAX_DELAY_MS) < getLong(BATCH_MAX_WAIT_MS)) {
            errors.add(QUEUE_MAX_DELAY_MS + "=" + getLong(QUEUE_MAX_DELAY_MS) + " must be at least " + BATCH_MAX_WAIT_MS + " ("
                    + getLong(BATCH_MAX_WAIT_MS) + ")");
        }
        if (parsed(failed, REGISTRY_BASIC_AUTH, REGISTRY_BEARER_TOKEN)) {
            if (getPassword(REGISTRY_BASIC_AUTH) != null && getPassword(REGISTRY_BEARER_TOKEN) != null) {
                errors.add(REGISTRY_BASIC_AUTH + " and " + REGISTRY_BEARER_TOKEN + " are both set; set one");
            }
            if (getPassword(REGISTRY_BASIC_AUTH) != null && !getPassword(REGISTRY_BASIC_AUTH).value().contains(":")) {
                errors.add(REGISTRY_BASIC_AUTH + " must be user:password");
            }
        }
        if (parsed(failed, SCHEMA_REGISTRY_URL)) {
            String urls = RegistrySettings.urlProblem(SCHEMA_REGISTRY_URL, getList(SCHEMA_REGISTRY_URL));
            if (urls != null) {
                errors.add(urls);
            } else if (parsed(failed, INPUT_FORMAT) && inputFormat() == InputFormat.AVRO && registryUrl().startsWith("mock://")) {
                errors.add(INPUT_FORMAT + "=avro needs the registry your producers use: set " + SCHEMA_REGISTRY_URL + " to its http(s) URL"
                        + " (mock:// is only visible inside this JVM)");
            }
        }
        checkChunks(errors, failed);
        if (parsed(failed, ENGINE) && !EngineFactory.names().contains(getString(ENGINE))) {
            errors.add(ENGINE + "=" + getString(ENGINE) + " is not an engine; allowed: " + String.join(", ", EngineFactory.names()));
        }
    }

    private void checkChunks(List<String> errors, Set<String> failed) {
        if (!parsed(failed, CHUNKS_TOPIC, WINDOWS_TOPIC)) {
            return;
        }
        String chunks = getString(CHUNKS_TOPIC).trim();
        String windows = getString(WINDOWS_TOPIC).trim();
        if (!chunks.isEmpty() && !windows.isEmpty()) {
            errors.add(WINDOWS_TOPIC + " is a deprecated alias of " + CHUNKS_TOPIC + "; set only " + CHUNKS_TOPIC);
            return;
        }
        if (!windows.isEmpty() && parsed(failed, CHUNK_MAX_TOKENS) && originals().containsKey(CHUNK_MAX_TOKENS) && getInt(CHUNK_MAX_TOKENS) != 0) {
            errors.add(WINDOWS_TOPIC + " means one chunk per window (" + CHUNK_MAX_TOKENS + "=0); for chunks of " + getInt(CHUNK_MAX_TOKENS)
                    + " tokens set " + CHUNKS_TOPIC + " instead");
        }
        String topic = chunks.isEmpty() ? windows : chunks;
        if (topic.isEmpty()) {
            return;
        }
        String key = chunks.isEmpty() ? WINDOWS_TOPIC : CHUNKS_TOPIC;
        if (parsed(failed, INPUT_TOPIC, OUTPUT_TOPIC, DLQ_TOPIC) && (topic.equals(inputTopic()) || topic.equals(outputTopic()) || topic.equals(dlqTopic()))) {
            errors.add(key + "=" + topic + " must differ from the input, output and dead-letter topics");
        }
        if (parsed(failed, CHUNK_CONTEXT, POOLING) && ChunkContext.parse(CHUNK_CONTEXT, getString(CHUNK_CONTEXT)) == ChunkContext.WINDOW
                && Pooling.parse(POOLING, getString(POOLING)) == Pooling.CLS) {
            errors.add(CHUNK_CONTEXT + "=window pools each chunk's own tokens (mean), and a chunk has no <s> of its own in its window, so "
                    + POOLING + "=cls is refused with it; allowed: " + POOLING + "=mean, or " + CHUNK_CONTEXT + "=chunk (each chunk runs alone "
                    + "and gets the CLS state of its own sequence)");
        }
    }

    /** Whether none of {@code keys} failed to parse: a rule naming one that did is skipped, its error already reported. */
    private static boolean parsed(Set<String> failed, String... keys) {
        for (String k : keys) {
            if (failed.contains(k)) {
                return false;
            }
        }
        return true;
    }

    /** Null when {@code dir} looks like a checkpoint directory; else what is wrong, naming the key. */
    static String modelDirProblem(String dir) {
        if (dir.isEmpty()) {
            return MODEL_DIR + " is required: the directory of a checkpoint (config.json, weights, tokenizer)";
        }
        Path p = Path.of(dir);
        if (!Files.isDirectory(p)) {
            return MODEL_DIR + "=" + dir + " is not a directory" + (Files.exists(p) ? "" : " (it does not exist)");
        }
        if (!Files.isRegularFile(p.resolve("config.json"))) {
            return MODEL_DIR + "=" + dir + " has no config.json: not a Hugging Face checkpoint directory";
        }
        return null;
    }

    // ---- typed accessors: a typo'd setting does not compile ----

    public String inputTopic() {
        return getString(INPUT_TOPIC);
    }

    public String outputTopic() {
        return getString(OUTPUT_TOPIC);
    }

    public String dlqTopic() {
        String v = getString(DLQ_TOPIC).trim();
        return v.isEmpty() ? inputTopic() + "-dlq" : v;
    }

    /** The chunks topic and how chunks are made, or null for none; {@code kembed.windows.topic} means one chunk per window. */
    public ChunkOutput chunkOutput() {
        String chunks = getString(CHUNKS_TOPIC).trim();
        String windows = getString(WINDOWS_TOPIC).trim();
        if (chunks.isEmpty() && windows.isEmpty()) {
            return null;
        }
        int max = chunks.isEmpty() ? 0 : getInt(CHUNK_MAX_TOKENS);
        return new ChunkOutput(chunks.isEmpty() ? windows : chunks, max == 0 ? Chunker.PER_WINDOW : new Chunker(max),
                ChunkContext.parse(CHUNK_CONTEXT, getString(CHUNK_CONTEXT)), getBoolean(CHUNK_TEXT));
    }

    /** Whether the deprecated {@code kembed.windows.topic} is what sets the chunks topic (start-up logs a warning). */
    public boolean deprecatedWindowsTopic() {
        return !getString(WINDOWS_TOPIC).trim().isEmpty();
    }

    /**
     * The engine spec for the model whose attention window is {@code modelMaxTokens}: with late
     * chunking, the graph pools as many chunk slots per window as the windows and chunks can need.
     */
    public EngineSpec engineSpec(Path dataDir, int modelMaxTokens) {
        EngineSpec spec = engineSpec(dataDir);
        ChunkOutput chunks = chunkOutput();
        if (chunks == null || !chunks.late()) {
            return spec;
        }
        int window = getInt(WINDOW_MAX_TOKENS) > 0 ? getInt(WINDOW_MAX_TOKENS) : modelMaxTokens;
        return spec.withChunkSlots(LateChunks.slotsForWindows(window, chunks.chunker().maxTokens()));
    }

    public InputFormat inputFormat() {
        return InputFormat.parse(INPUT_FORMAT, getString(INPUT_FORMAT));
    }

    public String registryUrl() {
        List<String> urls = getList(SCHEMA_REGISTRY_URL);
        return urls.isEmpty() ? "" : urls.get(0);
    }

    public RegistrySettings registrySettings() {
        String trustStore = getString(REGISTRY_TRUSTSTORE).trim();
        return new RegistrySettings(getList(SCHEMA_REGISTRY_URL), secret(REGISTRY_BASIC_AUTH), secret(REGISTRY_BEARER_TOKEN),
                trustStore.isEmpty() ? null : Path.of(trustStore), secret(REGISTRY_TRUSTSTORE_PASSWORD), getString(REGISTRY_TRUSTSTORE_TYPE).trim().toUpperCase(java.util.Locale.ROOT),
                java.time.Duration.ofMillis(getInt(REGISTRY_CONNECT_TIMEOUT_MS)), java.time.Duration.ofMillis(getInt(REGISTRY_REQUEST_TIMEOUT_MS)),
                SubjectNameStrategy.parse(REGISTRY_SUBJECT_STRATEGY, getString(REGISTRY_SUBJECT_STRATEGY)));
    }

    public int httpPort() {
        return getInt(HTTP_PORT);
    }

    /** The query routes' limits; {@code kembed.input.max.chars} bounds each input as it bounds a document. */
    public HttpSettings httpSettings() {
        return new HttpSettings(secret(HTTP_API_KEY), getInt(HTTP_MAX_BODY_BYTES), getInt(HTTP_MAX_INPUTS),
                getInt(HTTP_MAX_CONCURRENT), getInt(INPUT_MAX_CHARS), java.time.Duration.ofMillis(getLong(HTTP_REQUEST_TIMEOUT_MS)));
    }

    private String secret(String key) {
        org.apache.kafka.common.config.types.Password p = getPassword(key);
        return p == null ? null : p.value();
    }

    /** Checked at start-up ({@link #modelDirProblem}): an existing checkpoint directory. */
    public Path modelDir() {
        return Path.of(getString(MODEL_DIR).trim());
    }

    public long queueMaxBlockMs() {
        return getLong(QUEUE_MAX_BLOCK_MS);
    }

    public boolean topicsCreate() {
        return getBoolean(TOPICS_CREATE);
    }

    public int topicsPartitions() {
        return getInt(TOPICS_PARTITIONS);
    }

    public short topicsReplication() {
        return getInt(TOPICS_REPLICATION).shortValue();
    }

    public int metricsPort() {
        return getInt(METRICS_PORT);
    }

    /** @param dataDir where the GPU engines keep their built engines ({@code <data-dir>/engines}) */
    public EngineSpec engineSpec(Path dataDir) {
        List<Integer> buckets = getList(ENGINE_BUCKETS).stream().map(b -> Integer.valueOf(b.trim())).toList(); // validated at start-up
        GpuSettings gpu = new GpuSettings(buckets, getInt(ENGINE_BATCH), getInt(ENGINE_GLOBAL_SLOTS), dataDir.resolve("engines"),
                getBoolean(ENGINE_ORT_TENSORRT), getInt(ENGINE_DEVICE));
        return new EngineSpec(getString(ENGINE), Precision.parse(PRECISION, getString(PRECISION)), getInt(MODEL_THREADS),
                getInt(ENGINE_THREADS), embeddingSettings().globalCls(), gpu);
    }

    /**
     * How documents become vectors: the settings as given, over the defaults of a sentence-transformers
     * model directory (pooling, normalize, max_seq_length, prompts) where the model has one.
     */
    public EmbeddingSettings embeddingSettings() {
        EmbeddingSettings given = new EmbeddingSettings(Pooling.parse(POOLING, getString(POOLING)),
                GlobalAttention.parse(GLOBAL_ATTENTION, getString(GLOBAL_ATTENTION)), getBoolean(NORMALIZE), getInt(WINDOW_MAX_TOKENS),
                getInt(WINDOW_OVERLAP), Boundaries.parse(WINDOW_BOUNDARIES, getString(WINDOW_BOUNDARIES)));
        if (getString(MODEL_DIR).isBlank() || !java.nio.file.Files.isDirectory(modelDir())) {
            return given.withPrompt(getString(PROMPT), dev.kembed.text.MeanScope.CONTENT);
        }
        return ModelDefaults.apply(given, new ModelDefaults.Given(originals().containsKey(POOLING), originals().containsKey(NORMALIZE),
                originals().containsKey(WINDOW_MAX_TOKENS), POOLING, NORMALIZE, WINDOW_MAX_TOKENS, PROMPT, PROMPT_NAME), modelDir(),
                getString(PROMPT), getString(PROMPT_NAME).trim());
    }

    public WorkerSettings workerSettings() {
        return new WorkerSettings(getInt(BATCH_MAX_TOKENS), getInt(BATCH_MAX_WINDOWS), getLong(BATCH_MAX_WAIT_MS), getInt(BATCH_BUCKET_TOKENS),
                getInt(QUEUE_MAX_WINDOWS), queueMaxBlockMs(), getInt(ENGINE_THREADS), getInt(ENGINE_RETRIES), getLong(ENGINE_RETRY_BACKOFF_MS),
                SchedulingPolicy.parse(QUEUE_POLICY, getString(QUEUE_POLICY)), getLong(QUEUE_MAX_DELAY_MS));
    }

    public PipelineSettings pipelineSettings() {
        return new PipelineSettings(inputTopic(), outputTopic(), dlqTopic(), chunkOutput(), inputFormat(), getInt(INPUT_MAX_CHARS),
                registrySettings(), getLong(DRAIN_INTERVAL_MS), getBoolean(WINDOW_REUSE), getLong(CACHE_MAX_BYTES));
    }

    /** Kafka Streams / client properties as given (pass-through). */
    public Properties kafka() {
        Properties p = new Properties();
        p.putAll(kafka);
        return p;
    }

    // ---- documentation generated from the definition ----

    public static String help() {
        StringBuilder sb = new StringBuilder("kembed.* keys (env: KEMBED_<KEY>, dots as underscores), with defaults:\n");
        for (ConfigDef.ConfigKey k : DEF.configKeys().values()) {
            sb.append(String.format("  %s = %s%s%n      %s%n", k.name, defaultText(k), k.validator == null ? "" : "  " + k.validator, k.documentation));
        }
        sb.append("Any other key is passed to Kafka Streams and its clients (env: KEMBED_KAFKA_<KEY>).\n")
                .append("Defaults kembed sets: processing.guarantee=exactly_once_v2, application.id=kembed.\n")
                .append("Without bootstrap.servers kembed starts its own single-node KRaft broker.\n");
        return sb.toString();
    }

    /** The README's configuration table, generated; a test keeps the README equal to it. */
    static String markdownTable() {
        StringBuilder sb = new StringBuilder("| key | default | allowed | meaning |\n|---|---|---|---|\n");
        for (ConfigDef.ConfigKey k : DEF.configKeys().values()) {
            String allowed = k.validator != null ? k.validator.toString() : k.type == Type.BOOLEAN ? "true, false" : "";
            sb.append(String.format("| `%s` | %s | %s | %s |%n", k.name, defaultText(k).replace("|", "\\|"), allowed.replace("|", "\\|"),
                    k.documentation.replace("|", "\\|")));
        }
        return sb.toString();
    }

    private static String defaultText(ConfigDef.ConfigKey k) {
        String d = String.valueOf(k.defaultValue);
        return d.isEmpty() ? "(unset)" : d;
    }
}
