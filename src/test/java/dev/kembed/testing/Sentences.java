package dev.kembed.testing;

import java.util.List;

/** Real sentences of different lengths, and paraphrase/unrelated pairs, for model tests. */
public final class Sentences {
    private Sentences() {}

    public static final List<String> VARIED = List.of(
            "Hi.",
            "The cat sat on the mat.",
            "Kafka keeps messages in ordered, replicated partitions.",
            "A quick brown fox jumps over the lazy dog near the river bank.",
            "Embeddings map text to vectors so that similar meanings end up close together.",
            "The orchestra tuned its instruments while the audience slowly found their seats in the hall.",
            "Photosynthesis converts light energy into chemical energy stored in glucose.",
            "When a transaction commits, the log is flushed to disk before the client is told it succeeded.",
            "She bought three apples, two pears and a loaf of bread at the market on Saturday morning.",
            "Rain.",
            "The committee postponed its decision until the independent auditors had reviewed every account.",
            "Mix flour, water, salt and yeast, knead the dough, and let it rise for an hour.",
            "Zürich and São Paulo are cities; café and naïve carry accents.",
            "In 1865 the war ended and the long work of rebuilding the railways began across the continent.",
            "Consumers in a group divide the partitions among themselves and rebalance when a member leaves.",
            "The patient reported a headache, a mild fever and a sore throat lasting three days.",
            "Why is the sky blue?",
            "Large language models are trained on vast amounts of text and can answer questions about it.",
            "He left the keys on the kitchen table, next to the unopened letters and a cold cup of coffee.",
            "Sliding-window attention lets a transformer read documents that are thousands of tokens long,"
                    + " because each token only looks at its neighbours instead of at every other token in the text.",
            "Numbers like 3.14159 and 2026 appear in text too.",
            "The museum's new wing displays sculptures from the nineteenth century alongside contemporary installations.",
            "Please restart the server after changing the configuration file.",
            "The glacier has retreated nearly two kilometres over the past fifty years, exposing bare rock and meltwater lakes.");

    /** {anchor, paraphrase, unrelated}. */
    public static final List<String[]> PARAPHRASES = List.of(
            new String[] {"The cat is sleeping on the sofa.", "A cat naps on the couch.", "The stock market fell sharply today."},
            new String[] {"How do I reset my password?", "What are the steps to change my login password?", "The recipe needs two cups of flour."},
            new String[] {"The train to Berlin was delayed by an hour.", "Our Berlin-bound train arrived sixty minutes late.", "Photosynthesis happens in the leaves of plants."},
            new String[] {"Kafka stores events in partitions.", "Events in Kafka are kept in partitioned logs.", "She painted the fence bright yellow."},
            new String[] {"The doctor prescribed antibiotics for the infection.", "The physician gave her medicine to treat the bacterial infection.", "The football match ended in a draw."});
}
