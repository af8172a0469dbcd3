package dev.kembed.engine;

import dev.kembed.setting.Choices;

/** Numeric precision an engine runs the model in; part of the model's identity in every output record. */
public enum Precision {
    FP32,
    FP16,
    INT8;

    public String label() {
        return Choices.label(this);
    }

    public static Precision parse(String key, String value) {
        return Choices.parse(Precision.class, key, value);
    }
}
