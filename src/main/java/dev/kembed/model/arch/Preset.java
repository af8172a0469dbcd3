package dev.kembed.model.arch;

import java.util.function.IntFunction;

/**
 * A random-weight preset with a real model's shapes.
 *
 * @param name        what {@code kembed model random --preset} takes
 * @param description one line for the command's help
 * @param config      the config, given the vocabulary size of the tokenizer written beside it (only tiny presets use it)
 * @param weightStd   standard deviation of the random weights
 */
public record Preset(String name, String description, IntFunction<ModelConfig> config, double weightStd) {}
