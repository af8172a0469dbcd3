package dev.kembed.embed;

import dev.kembed.engine.BatchResult;
import dev.kembed.engine.EngineWindow;
import dev.kembed.text.BadInputException;
import dev.kembed.engine.WindowBatch;
import dev.kembed.error.TooLargeException;
import dev.kembed.text.TextWindow;
import dev.kembed.text.WindowPlan;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Query vectors by the documents' rules: the same window plan (tokenizer, window size, overlap,
 * pooling, global attention) and the same pooling code as {@link DirectEmbedder}, so a query and a
 * document with the same text get the same vector.
 *
 * <p>An input has at most {@code maxInputTokens} tokens (specials and prompt included, as
 * text-embeddings-inference's {@code max_input_length}): a longer one is refused
 * ({@link TooLargeException}) unless the caller asks for truncation, which keeps its first tokens up
 * to the limit. Up to the limit a long input is windowed like a document, so a limit above the
 * window size keeps long queries possible; the default is one window.
 */
public final class QueryEmbedder {
    private final WindowPlan plan;
    private final DirectEmbedder direct;
    private final Function<WindowBatch, BatchResult> engine;
    private final Map<String, String> prompts;
    private final Map<String, DirectEmbedder> byPrompt = new ConcurrentHashMap<>();
    private final int maxInputTokens;
    private final Runnable beforeWork;

    /**
     * @param engine         runs a batch of windows: the shared engine queue's priority lane in a server
     * @param prompts        the model's prompts by name (a sentence-transformers directory's), for {@code prompt_name}
     * @param maxInputTokens tokens an input may have, specials and prompt included ({@code kembed.http.max.input.tokens})
     * @param beforeWork     runs before any input is tokenized and may refuse the request (a full lane: refused before it costs CPU)
     */
    public QueryEmbedder(WindowPlan plan, Function<WindowBatch, BatchResult> engine, Map<String, String> prompts, int maxInputTokens,
            Runnable beforeWork) {
        if (maxInputTokens <= plan.specialTokens()) {
            throw new IllegalArgumentException("an input must be allowed more tokens than its " + plan.specialTokens()
                    + " special tokens, got " + maxInputTokens);
        }
        this.plan = plan;
        this.engine = engine;
        this.prompts = Map.copyOf(prompts);
        this.maxInputTokens = maxInputTokens;
        this.beforeWork = beforeWork;
        this.direct = new DirectEmbedder(plan, engine); // all windows of a request in one call: the queue batches them
    }

    /** Tokens an input may have, specials and prompt included. */
    public int maxInputTokens() {
        return maxInputTokens;
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
     * (empty or blank text, ids outside the vocabulary) or {@link TooLargeException} (more tokens
     * than {@link #maxInputTokens}); an engine failure its {@link dev.kembed.engine.EngineException}.
     *
     * @param truncate keep the first {@link #maxInputTokens} tokens of a longer input instead of refusing it
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

    /** Where a long input is cut: not at all (refused past the limit), its end (TEI's Right), or its start (Left). */
    public enum Truncation { NONE, RIGHT, LEFT }

    /** As {@link #embed(List, boolean, boolean, String)}, cutting inputs past the limit as {@code truncation} says. */
    public List<DocumentVector> embed(List<QueryInput> inputs, boolean normalize, Truncation truncation, String promptName) {
        DirectEmbedder direct = embedder(promptName);
        WindowPlan plan = direct.plan();
        beforeWork.run();
        List<WindowPlan.Planned> docs = new ArrayList<>(inputs.size());
        for (int i = 0; i < inputs.size(); i++) {
            QueryInput in = inputs.get(i);
            WindowPlan.Planned doc = in.text() == null ? plan.cut(in.ids())
                    : truncation == Truncation.LEFT ? plan.cut(in.text()) : cutEnough(plan, in.text()); // Left needs the text's end
            docs.add(limited(plan, doc, truncation, inputs.size() > 1 ? "input " + i : "the input"));
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
        beforeWork.run();
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

    /** An input planned with the model's prompt {@code promptName} and cut to one window as {@code truncation} says; for {@code /tokenize}. */
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

    /**
     * The text tokenized as far as the token limit needs: a text is tokenized whole only when it is
     * within the limit. A longer one is refused or truncated, and for either its first tokens past
     * the limit tell all there is to know, so a prefix cut at whitespace is tokenized first, growing
     * until it has more tokens than the limit: a 2 MB query costs the tokenizer a few kilobytes, not
     * seconds of CPU per request (which 8 clients looping such queries would otherwise take from the
     * engine). Tokenizers split words at whitespace before anything else, so the tokens of the
     * complete words of a prefix are the text's own.
     */
    private WindowPlan.Planned cutEnough(WindowPlan plan, String text) {
        for (long len = 16L * (maxInputTokens + 1); len < text.length(); len *= 4) {
            int cut = (int) len;
            while (cut > len / 2 && !Character.isWhitespace(text.charAt(cut))) {
                cut--;
            }
            if (cut <= len / 2) {
                break; // no whitespace near: one enormous word, tokenized whole
            }
            WindowPlan.Planned prefix = plan.cut(text.substring(0, cut));
            if (prefix.tokens() > maxInputTokens) {
                return prefix; // too long already: refused or truncated, as the whole text would be
            }
        }
        return plan.cut(text);
    }

    /** {@code doc} within {@link #maxInputTokens}: as it is, cut as {@code truncation} says, else refused. */
    private WindowPlan.Planned limited(WindowPlan plan, WindowPlan.Planned doc, Truncation truncation, String which) {
        TextWindow first = doc.windows().get(0);
        int overhead = first.length() - (first.tokenEnd() - first.tokenStart()); // <s>, </s> and the prompt
        int tokens = doc.tokens() + overhead;
        if (tokens <= maxInputTokens) {
            return doc;
        }
        if (truncation == Truncation.NONE || maxInputTokens <= overhead) {
            throw new TooLargeException("input-too-long", "Input validation error: " + which + " has more than " + maxInputTokens + " tokens"
                    + "; inputs must have at most " + maxInputTokens + " (kembed.http.max.input.tokens" + (maxInputTokens <= overhead ? ", of which the prompt and "
                    + "special tokens take " + overhead + ")" : "); send truncate: true to keep the first " + maxInputTokens));
        }
        // one window's worth cut as a window cuts it (text boundaries included), so truncate stays what it was at the default limit
        boolean oneWindow = maxInputTokens == plan.maxTokens();
        if (truncation == Truncation.LEFT) {
            return oneWindow ? plan.truncatedLeft(doc) : plan.truncatedLeft(doc, maxInputTokens - overhead);
        }
        return oneWindow ? plan.truncated(doc) : plan.truncated(doc, maxInputTokens - overhead);
    }
}
