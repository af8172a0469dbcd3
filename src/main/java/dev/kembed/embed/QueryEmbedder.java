package dev.kembed.embed;

import dev.kembed.engine.BatchResult;
import dev.kembed.engine.EngineWindow;
import dev.kembed.text.BadInputException;
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
        return embed(inputs, normalize, truncate ? Truncation.RIGHT : Truncation.NONE, promptName);
    }

    /** Where a long input is cut: not at all (windowed like a document), its end cut (TEI's Right), or its start (Left). */
    public enum Truncation { NONE, RIGHT, LEFT }

    /** As {@link #embed(List, boolean, boolean, String)}, cutting long inputs as {@code truncation} says. */
    public List<DocumentVector> embed(List<QueryInput> inputs, boolean normalize, Truncation truncation, String promptName) {
        DirectEmbedder direct = embedder(promptName);
        List<WindowPlan.Planned> docs = new ArrayList<>(inputs.size());
        for (QueryInput in : inputs) {
            docs.add(planned(direct.plan(), in, truncation));
        }
        return direct.embedAll(docs, normalize);
    }

    /**
     * Every token's last hidden state for each input (TEI's {@code /embed_all}), one window per
     * input: specials and prompt included, as the model sees them. An input longer than one window
     * is refused unless {@code truncation} cuts it.
     */
    public List<float[][]> tokenStates(List<QueryInput> inputs, Truncation truncation, String promptName) {
        WindowPlan plan = embedder(promptName).plan();
        List<EngineWindow> windows = new ArrayList<>(inputs.size());
        for (QueryInput in : inputs) {
            WindowPlan.Planned p = planned(plan, in, truncation);
            if (p.windows().size() > 1) {
                throw new BadInputException("input-too-long", "an input has " + p.tokens() + " tokens, more than one window holds ("
                        + p.windows().get(0).tokenEnd() + " with this model's specials and prompt); token states are answered for one "
                        + "window: set truncate");
            }
            windows.add(plan.engineWindow(p.windows().get(0)));
        }
        List<float[][]> out = new ArrayList<>(windows.size());
        for (var r : engine.apply(new WindowBatch(windows, true)).windows()) {
            out.add(r.tokenStates());
        }
        return out;
    }

    /** The one window an input is cut to for {@link #tokenStates}, or its windows; for {@code /tokenize}. */
    public WindowPlan.Planned plan(QueryInput in, Truncation truncation, String promptName) {
        return planned(embedder(promptName).plan(), in, truncation);
    }

    private static WindowPlan.Planned planned(WindowPlan plan, QueryInput in, Truncation truncation) {
        WindowPlan.Planned doc = in.text() != null ? plan.cut(in.text()) : plan.cut(in.ids());
        return switch (truncation) {
            case NONE -> doc;
            case RIGHT -> plan.truncated(doc);
            case LEFT -> plan.truncatedLeft(doc);
        };
    }

    /** The embedder of the plan's own prompt, or of the model's prompt {@code promptName}. */
    private DirectEmbedder embedder(String promptName) {
        if (promptName == null) {
            return direct;
        }
        String text = prompts.get(promptName);
        if (text == null) {
            throw new IllegalArgumentException("prompt_name '" + promptName + "' is not one of the model's prompts; allowed: "
                    + (prompts.isEmpty() ? "none (the model declares no prompts)" : String.join(", ", new java.util.TreeSet<>(prompts.keySet()))));
        }
        return byPrompt.computeIfAbsent(promptName, n -> new DirectEmbedder(this.plan.withPrompt(text), engine));
    }
}
