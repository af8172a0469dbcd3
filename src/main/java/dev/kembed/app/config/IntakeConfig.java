package dev.kembed.app.config;

import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;

/**
 * How much input a process holds before it stops fetching: the backlog belongs in the input topic
 * (where consumer lag shows it), not in the state directory.
 */
public final class IntakeConfig extends ConfigArea {
    public static final String INTAKE_MAX_TOKENS = "kembed.intake.max.tokens";
    public static final String PARKED_MAX_BYTES = "kembed.parked.max.bytes";

    public IntakeConfig(AbstractConfig values) {
        super(values);
    }

    public static void define(ConfigDef def) {
        // 4M tokens: about 1 h of a 2-core CPU's work on a base model, well over a GPU's minute, and
        // (ids, masks and partial sums, with RocksDB's overhead) some tens of MB of state
        def.define(INTAKE_MAX_TOKENS, Type.LONG, 4_000_000L, Range.between(1, Long.MAX_VALUE), Importance.MEDIUM,
                        "Tokens of documents consumed and not yet emitted, per process, past which kembed stops fetching input (fetching "
                                + "resumes below 90%): the backlog stays in the input topic, where consumer lag shows it, and the state "
                                + "directory stays bounded. At most one fetch more is processed after the pause.")
                .define(PARKED_MAX_BYTES, Type.LONG, 256L << 20, Range.between(1, Long.MAX_VALUE), Importance.LOW,
                        "Bytes of input records parked while the schema registry cannot answer for them, per process, past which kembed "
                                + "stops fetching input until they are replayed.");
    }

    public long intakeMaxTokens() {
        return values.getLong(INTAKE_MAX_TOKENS);
    }

    public long parkedMaxBytes() {
        return values.getLong(PARKED_MAX_BYTES);
    }
}
