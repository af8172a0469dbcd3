package dev.kembed.embed;

import dev.kembed.engine.BatchResult;
import dev.kembed.engine.EmbeddingEngine;
import dev.kembed.engine.EngineWindow;
import dev.kembed.engine.WindowBatch;
import dev.kembed.engine.WindowResult;
import dev.kembed.text.DocumentPooler;
import dev.kembed.text.TextWindow;
import dev.kembed.text.WindowPlan;
import java.util.ArrayList;
import java.util.List;

/**
 * The synchronous path from text to vector (plan, run, pool) used by {@code kembed embed}: the
 * reference the streaming topology's output is compared with.
 */
public final class DirectEmbedder {
    private final WindowPlan plan;
    private final EmbeddingEngine engine;
    private final int batchTokens;

    /** @param batchTokens padded tokens per engine call (windows × longest window) */
    public DirectEmbedder(WindowPlan plan, EmbeddingEngine engine, int batchTokens) {
        if (batchTokens <= 0) {
            throw new IllegalArgumentException("--batch-tokens must be positive, got " + batchTokens);
        }
        this.plan = plan;
        this.engine = engine;
        this.batchTokens = batchTokens;
    }

    public WindowPlan plan() {
        return plan;
    }

    public DocumentVector embed(String text) {
        WindowPlan.Planned doc = plan.cut(text);
        List<TextWindow> windows = doc.windows();
        DocumentPooler pooler = plan.newPooler();
        int from = 0;
        while (from < windows.size()) {
            int to = from + 1;
            int longest = windows.get(from).length();
            while (to < windows.size() && (long) Math.max(longest, windows.get(to).length()) * (to - from + 1) <= batchTokens) {
                longest = Math.max(longest, windows.get(to).length());
                to++;
            }
            List<EngineWindow> batch = new ArrayList<>();
            for (TextWindow w : windows.subList(from, to)) {
                batch.add(plan.engineWindow(w));
            }
            BatchResult result = engine.embed(WindowBatch.of(batch));
            for (int i = 0; i < batch.size(); i++) {
                WindowResult r = result.windows().get(i);
                pooler.add(r.cls(), r.sum(), r.count(), windows.get(from + i).ownedTokens());
            }
            from = to;
        }
        return new DocumentVector(pooler.result(plan.settings().normalize()), doc.tokens(), windows);
    }
}
