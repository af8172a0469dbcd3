package dev.kembed.app.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;

/**
 * The next model, rolled out in the same process while the current one serves: {@code
 * kembed.rollout.model.dir} and {@code kembed.rollout.output.topic} start a rollout, and every other
 * {@code kembed.rollout.X} sets {@code kembed.X} for it alone. The rollout's configuration is the
 * main one with these overlaid (so it is validated by the same rules, its errors named by the
 * rollout keys), except that topics are never inherited: a rollout without its own chunks topic
 * writes no chunks.
 */
public final class RolloutConfig extends ConfigArea {
    public static final String PREFIX = "kembed.rollout.";
    public static final String MODEL_DIR = PREFIX + "model.dir";
    public static final String OUTPUT_TOPIC = PREFIX + "output.topic";
    public static final String CHUNKS_TOPIC = PREFIX + "chunks.topic";
    public static final String MODEL_THREADS = PREFIX + "model.threads";

    /** The main keys a rollout may set for itself, besides its model and topics. */
    static final List<String> EMBEDDING_KEYS = List.of(EngineConfig.PRECISION, EmbeddingConfig.PROMPT, EmbeddingConfig.PROMPT_NAME,
            EmbeddingConfig.POOLING, EmbeddingConfig.NORMALIZE, EmbeddingConfig.GLOBAL_ATTENTION, EmbeddingConfig.WINDOW_MAX_TOKENS,
            EmbeddingConfig.WINDOW_OVERLAP, EmbeddingConfig.WINDOW_BOUNDARIES, ChunksConfig.CHUNK_MAX_TOKENS, ChunksConfig.CHUNK_CONTEXT,
            ChunksConfig.CHUNK_TEXT, TopicsConfig.DLQ_TOPIC);

    public RolloutConfig(AbstractConfig values) {
        super(values);
    }

    public static void define(ConfigDef def) {
        def.define(MODEL_DIR, Type.STRING, "", Importance.MEDIUM,
                        "The next model: with " + OUTPUT_TOPIC + " it starts an in-stream rollout: the same process embeds every live document "
                                + "(read from the input topic's beginning) and every new event with this model into that topic, behind live work, "
                                + "while the current model serves as before (README \"Changing the model\"). Empty = no rollout; removing it aborts one.")
                .define(OUTPUT_TOPIC, Type.STRING, "", Importance.MEDIUM,
                        "The rollout's output topic (must differ from every other topic). Cut over by making the rollout settings the main ones.")
                .define(CHUNKS_TOPIC, Type.STRING, "", Importance.LOW,
                        "The rollout's chunks topic; empty = the rollout writes no chunks (never the main chunks topic).")
                .define(MODEL_THREADS, Type.STRING, "", Importance.LOW,
                        "For the rollout: " + EngineConfig.MODEL_THREADS + "; empty = half the main engine's (at least 1), so that live work "
                                + "keeps cores of its own while a rollout batch runs.");
        for (String key : EMBEDDING_KEYS) {
            def.define(rolloutKey(key), Type.STRING, "", Importance.LOW, "For the rollout: " + key + "; empty = as " + key + ".");
        }
    }

    /** {@code kembed.X} → {@code kembed.rollout.X}. */
    public static String rolloutKey(String mainKey) {
        return PREFIX + mainKey.substring("kembed.".length());
    }

    /** Whether any rollout key is set. */
    public boolean configured() {
        return !modelDir().isEmpty() || !outputTopic().isEmpty();
    }

    public String modelDir() {
        return values.getString(MODEL_DIR).trim();
    }

    public String outputTopic() {
        return values.getString(OUTPUT_TOPIC).trim();
    }

    /** The two keys a rollout needs, each named when missing. */
    public void check(ConfigErrors errors) {
        if (!configured()) {
            for (String key : EMBEDDING_KEYS) {
                if (!values.getString(rolloutKey(key)).trim().isEmpty()) {
                    errors.add(rolloutKey(key) + " is set but no rollout is: set " + MODEL_DIR + " and " + OUTPUT_TOPIC + " too, or remove it");
                }
            }
            for (String key : List.of(CHUNKS_TOPIC, MODEL_THREADS)) {
                if (!values.getString(key).trim().isEmpty()) {
                    errors.add(key + " is set but no rollout is: set " + MODEL_DIR + " and " + OUTPUT_TOPIC + " too, or remove it");
                }
            }
            return;
        }
        if (modelDir().isEmpty()) {
            errors.add(MODEL_DIR + " is required with " + OUTPUT_TOPIC + " (the next model's directory; the current one's for a settings-only rollout)");
        }
        if (outputTopic().isEmpty()) {
            errors.add(OUTPUT_TOPIC + " is required with " + MODEL_DIR + " (a topic of its own: the rollout writes there while the current "
                    + "model keeps writing to " + TopicsConfig.OUTPUT_TOPIC + ")");
        }
    }

    /**
     * The rollout's {@code kembed.*} settings: {@code main}'s (as given) with the rollout's overlaid,
     * its model and topics its own, no query API or metrics port of its own.
     */
    public Map<String, String> overlay(Map<String, String> main) {
        Map<String, String> out = new LinkedHashMap<>();
        main.forEach((k, v) -> {
            if (!k.startsWith(PREFIX)) {
                out.put(k, v);
            }
        });
        out.put(EngineConfig.MODEL_DIR, modelDir());
        out.put(TopicsConfig.OUTPUT_TOPIC, outputTopic());
        out.put(ChunksConfig.CHUNKS_TOPIC, values.getString(CHUNKS_TOPIC).trim());
        String threads = values.getString(MODEL_THREADS).trim();
        if (threads.isEmpty()) {
            int mainThreads = values.getInt(EngineConfig.MODEL_THREADS);
            threads = Integer.toString(Math.max(1, (mainThreads > 0 ? mainThreads : Runtime.getRuntime().availableProcessors()) / 2));
        }
        out.put(EngineConfig.MODEL_THREADS, threads);
        out.remove(HttpConfig.HTTP_PORT);
        out.remove(HttpConfig.METRICS_PORT);
        for (String key : EMBEDDING_KEYS) {
            String v = values.getString(rolloutKey(key)).trim();
            if (!v.isEmpty()) {
                out.put(key, v);
            }
        }
        return out;
    }

    /** An error of the overlaid configuration, naming the rollout key the user typed instead of the main one. */
    public static String renamed(String error) {
        String out = error.replace(EngineConfig.MODEL_DIR, MODEL_DIR).replace(EngineConfig.MODEL_THREADS, MODEL_THREADS).replace(TopicsConfig.OUTPUT_TOPIC, OUTPUT_TOPIC)
                .replace(ChunksConfig.CHUNKS_TOPIC, CHUNKS_TOPIC);
        for (String key : EMBEDDING_KEYS) {
            out = out.replaceAll(java.util.regex.Pattern.quote(key) + "(?![.a-z])", java.util.regex.Matcher.quoteReplacement(rolloutKey(key)));
        }
        return out;
    }
}
