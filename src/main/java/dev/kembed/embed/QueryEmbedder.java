package dev.kembed.embed;

import dev.kembed.engine.BatchResult;
import dev.kembed.engine.WindowBatch;
import dev.kembed.text.WindowPlan;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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

    /** @param engine runs a batch of windows: the shared engine queue's priority lane in a server */
    public QueryEmbedder(WindowPlan plan, Function<WindowBatch, BatchResult> engine) {
        this.plan = plan;
        this.direct = new DirectEmbedder(plan, engine, Integer.MAX_VALUE); // all windows of a request in one call: the queue batches them
    }

    public WindowPlan plan() {
        return plan;
    }

    /**
     * The inputs' vectors, in order. Bad input throws {@link dev.kembed.text.BadInputException}
     * (empty or blank text, ids outside the vocabulary); an engine failure its
     * {@link dev.kembed.engine.EngineException}.
     *
     * @param truncate keep only the first window's worth of content tokens (the model's input length)
     */
    public List<DocumentVector> embed(List<QueryInput> inputs, boolean normalize, boolean truncate) {
        List<WindowPlan.Planned> docs = new ArrayList<>(inputs.size());
        for (QueryInput in : inputs) {
            WindowPlan.Planned doc = in.text() != null ? plan.cut(in.text()) : plan.cut(in.ids());
            if (truncate && doc.windows().size() > 1) {
                int[] ids = in.text() != null ? doc.doc().ids() : in.ids();
                doc = plan.cut(Arrays.copyOf(ids, plan.maxTokens() - 2)); // <s> and </s> take the other two
            }
            docs.add(doc);
        }
        return direct.embedAll(docs, normalize);
    }
}
