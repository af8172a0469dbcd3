package dev.kembed.app.config;

import dev.kembed.serde.RegistrySettings;
import dev.kembed.stream.ChunkOutput;
import dev.kembed.stream.InputFormat;
import dev.kembed.stream.PipelineSettings;
import dev.kembed.stream.RecordLimits;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;

/**
 * The stream's topics and input: the input, output and dead-letter topics, how input values are
 * encoded and how long they may be, and the topics kembed creates; the stream's settings are made here.
 */
public final class TopicsConfig extends ConfigArea {
    public static final String INPUT_TOPIC = "kembed.input.topic";
    public static final String OUTPUT_TOPIC = "kembed.output.topic";
    public static final String DLQ_TOPIC = "kembed.dlq.topic";
    public static final String INPUT_FORMAT = "kembed.input.format";
    public static final String INPUT_MAX_CHARS = "kembed.input.max.chars";
    public static final String METADATA_MAX_BYTES = "kembed.metadata.max.bytes";
    public static final String DLQ_MAX_VALUE_BYTES = "kembed.dlq.max.value.bytes";
    public static final String TOPICS_CREATE = "kembed.topics.create";
    public static final String TOPICS_PARTITIONS = "kembed.topics.partitions";
    public static final String TOPICS_REPLICATION = "kembed.topics.replication";

    public TopicsConfig(AbstractConfig values) {
        super(values);
    }

    public static void defineTopics(ConfigDef def) {
        def.define(INPUT_TOPIC, Type.STRING, "documents", new ConfigDef.NonEmptyString(), Importance.HIGH,
                        "Topic of document events (key = document id).")
                .define(OUTPUT_TOPIC, Type.STRING, "embeddings", new ConfigDef.NonEmptyString(), Importance.HIGH,
                        "Topic of embedding records (Avro, registry wire format).")
                .define(DLQ_TOPIC, Type.STRING, "", Importance.MEDIUM, "Dead-letter topic; empty = <input topic>-dlq.")
                .define(DLQ_MAX_VALUE_BYTES, Type.INT, RecordLimits.DEFAULT_DLQ_MAX_VALUE_BYTES, Range.between(1024, 64 << 20), Importance.LOW,
                        "A dead letter's value is cut to this many bytes (header kembed.source.value.bytes keeps the original size), so a record "
                                + "the input topic took always fits the dead-letter topic.");
    }

    public static void defineInput(ConfigDef def) {
        def.define(INPUT_FORMAT, Type.STRING, "json", Choice.of(InputFormat.class), Importance.HIGH,
                        "Input value encoding: json, avro (registry wire format, schemas/document.avsc) or text.")
                .define(INPUT_MAX_CHARS, Type.INT, 5_000_000, Range.atLeast(1), Importance.MEDIUM, "Longer texts go to the DLQ.")
                .define(METADATA_MAX_BYTES, Type.INT, RecordLimits.DEFAULT_METADATA_MAX_BYTES, Range.between(0, 16 << 20), Importance.MEDIUM,
                        "Largest input metadata (UTF-8 keys and values, plus 12 bytes per entry); it is copied into the output record and every "
                                + "chunk record, so more goes to the DLQ (metadata-too-large).");
    }

    public static void defineCreation(ConfigDef def) {
        def.define(TOPICS_CREATE, Type.BOOLEAN, true, Importance.MEDIUM, "Create missing topics; false = refuse to start if one is missing.")
                .define(TOPICS_PARTITIONS, Type.INT, 4, Range.between(1, 100_000), Importance.LOW, "Partitions of topics kembed creates.")
                .define(TOPICS_REPLICATION, Type.INT, 1, Range.between(1, 32), Importance.LOW, "Replication factor of topics kembed creates.");
    }

    public void check(ConfigErrors errors) {
        if (errors.parsed(INPUT_TOPIC, OUTPUT_TOPIC) && outputTopic().equals(inputTopic())) {
            errors.add(OUTPUT_TOPIC + " must differ from " + INPUT_TOPIC);
        }
        if (errors.parsed(INPUT_TOPIC, OUTPUT_TOPIC, DLQ_TOPIC) && (dlqTopic().equals(inputTopic()) || dlqTopic().equals(outputTopic()))) {
            errors.add(DLQ_TOPIC + " must differ from the input and output topics");
        }
    }

    public String inputTopic() {
        return values.getString(INPUT_TOPIC);
    }

    public String outputTopic() {
        return values.getString(OUTPUT_TOPIC);
    }

    public String dlqTopic() {
        String v = values.getString(DLQ_TOPIC).trim();
        return v.isEmpty() ? inputTopic() + "-dlq" : v;
    }

    public InputFormat inputFormat() {
        return InputFormat.parse(INPUT_FORMAT, values.getString(INPUT_FORMAT));
    }

    public int inputMaxChars() {
        return values.getInt(INPUT_MAX_CHARS);
    }

    public int metadataMaxBytes() {
        return values.getInt(METADATA_MAX_BYTES);
    }

    public int dlqMaxValueBytes() {
        return values.getInt(DLQ_MAX_VALUE_BYTES);
    }

    public boolean topicsCreate() {
        return values.getBoolean(TOPICS_CREATE);
    }

    public int topicsPartitions() {
        return values.getInt(TOPICS_PARTITIONS);
    }

    public short topicsReplication() {
        return values.getInt(TOPICS_REPLICATION).shortValue();
    }

    /** The stream's settings: these topics and input, with the chunks, the registry and the reuse of the other areas. */
    public PipelineSettings pipelineSettings(ChunkOutput chunks, RegistrySettings registry, long drainIntervalMs, boolean windowReuse,
            long cacheMaxBytes, IntakeConfig intake, int chunkTextMaxBytes) {
        return new PipelineSettings(inputTopic(), outputTopic(), dlqTopic(), chunks, inputFormat(), inputMaxChars(), registry, drainIntervalMs,
                windowReuse, cacheMaxBytes, intake.intakeMaxTokens(), intake.parkedMaxBytes(),
                new RecordLimits(metadataMaxBytes(), dlqMaxValueBytes(), chunkTextMaxBytes, 0, 0, 0));
    }
}
