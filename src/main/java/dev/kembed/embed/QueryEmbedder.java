package dev.kembed.embed;

import dev.kembed.engine.BatchResult;
import dev.kembed.engine.WindowBatch;
import dev.kembed.text.WindowPlan;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Query vectors by the documents' rules: the same window plan (tokenizer, window size, overlap,
 * pooling, global attention) and the same pooling code as {@link DirectEmbedder}, so a query and a
 * document with the same text get the same vector. A long input is windowed like a document; it is
 * cut to one window only when the caller asks for truncation.
 */
public final class QueryEmbedder {
    private final WindowPlan plan;
    private final DirectEmbedder direct;
    private final Function<WindowBatch, BatchResult> engine;
    private final Map<String, String> prompts;
    private final Map<String, DirectEmbedder> byPrompt = new ConcurrentHashMap<>();

    /**
     * @param engine  runs a batch of windows: the shared engine queue's priority lane in a server
     * @param prompts the model's prompts by name (a sentence-transformers directory's), for {@code prompt_name}
     */
    public QueryEmbedder(WindowPlan plan, Function<WindowBatch, BatchResult> engine, Map<String, String> prompts) {
        this.plan = plan;
        this.engine = engine;
        this.prompts = Map.copyOf(prompts);
        this.direct = new DirectEmbedder(plan, engine); // all windows of a request in one call: the queue batches them
    }

    public WindowPlan plan() {
        return plan;
    }

    /** The model's prompts by name. */
    public Map<String, String> prompts() {
        return prompts;
    }

    /**
     * The inputs' vectors, in order. Bad input throws {@link dev.kembed.text.BadInputException}
     * (empty or blank text, ids outside the vocabulary); an engine failure its
     * {@link dev.kembed.engine.EngineException}.
     *
     * @param truncate keep only the first window's worth of content tokens (the model's input length)
     */
    public List<DocumentVector> embed(List<QueryInput> inputs, boolean normalize, boolean truncate) {
        return embed(inputs, normalize, truncate, null);
    }

    /**
     * As {@link #embed(List, boolean, boolean)} with the model's prompt {@code promptName} (null =
     * the plan's own prompt) starting every window.
     *
     * @throws IllegalArgumentException for a prompt name the model does not have, listing those it has
     */
    public List<DocumentVector> embed(List<QueryInput> inputs, boolean normalize, boolean truncate, String promptName) {
        DirectEmbedder direct = this.direct;
        WindowPlan plan = this.plan;
        if (promptName != null) {
            String text = prompts.get(promptName);
            if (text == null) {
                throw new IllegalArgumentException("prompt_name '" + promptName + "' is not one of the model's prompts; allowed: "
                        + (prompts.isEmpty() ? "none (the model declares no prompts)" : String.join(", ", new java.util.TreeSet<>(prompts.keySet()))));
            }
            direct = byPrompt.computeIfAbsent(promptName, n -> new DirectEmbedder(this.plan.withPrompt(text), engine));
            plan = direct.plan();
        }
        List<WindowPlan.Planned> docs = new ArrayList<>(inputs.size());
        for (QueryInput in : inputs) {
            WindowPlan.Planned doc = in.text() != null ? plan.cut(in.text()) : plan.cut(in.ids());
            if (truncate) {
                doc = plan.truncated(doc);
            }
            docs.add(doc);
        }
        return direct.embedAll(docs, normalize);
    }
}
