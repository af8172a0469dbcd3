package dev.kembed.stream;

import dev.kembed.engine.BatchResult;
import dev.kembed.engine.EmbeddingEngine;
import dev.kembed.engine.EngineWindow;
import dev.kembed.engine.WindowBatch;
import dev.kembed.engine.WindowResult;
import dev.kembed.text.DocumentPooler;
import dev.kembed.text.DocumentTokenizer;
import dev.kembed.text.TextWindow;
import dev.kembed.text.TokenizedText;
import dev.kembed.text.Windower;
import java.util.ArrayList;
import java.util.List;

/**
 * The synchronous path from text to vector (tokenize, window, run, pool) used by
 * {@code kembed embed}: the reference the streaming topology's output is compared with.
 */
public final class DirectEmbedder {
    private final DocumentTokenizer tokenizer;
    private final EmbeddingEngine engine;
    private final EmbeddingSettings settings;
    private final Windower windower;

    public DirectEmbedder(DocumentTokenizer tokenizer, EmbeddingEngine engine, EmbeddingSettings settings) {
        this.tokenizer = tokenizer;
        this.engine = engine;
        this.settings = settings;
        int max = settings.maxTokens() > 0 ? settings.maxTokens() : engine.info().maxTokens();
        if (max > engine.info().maxTokens()) {
            throw new IllegalArgumentException("max tokens " + max + " exceeds the model's " + engine.info().maxTokens());
        }
        this.windower = new Windower(max, settings.overlap(), engine.info().bosTokenId(), engine.info().eosTokenId());
        if (settings.globalCls() && !engine.info().globalAttention()) {
            throw new IllegalArgumentException("global attention on <s> was asked for but this engine has no global-attention path"
                    + " (a bert-family model has none; use --global-attention none)");
        }
    }

    public Windower windower() {
        return windower;
    }

    public DocumentVector embed(String text) {
        TokenizedText doc = tokenizer.tokenize(text);
        List<TextWindow> windows = windower.cut(doc);
        DocumentPooler pooler = new DocumentPooler(settings.pooling(), engine.info().dimension());
        int from = 0;
        while (from < windows.size()) {
            int to = from + 1;
            int longest = windows.get(from).length();
            while (to < windows.size() && (long) Math.max(longest, windows.get(to).length()) * (to - from + 1) <= settings.batchTokens()) {
                longest = Math.max(longest, windows.get(to).length());
                to++;
            }
            List<EngineWindow> batch = new ArrayList<>();
            for (TextWindow w : windows.subList(from, to)) {
                batch.add(new EngineWindow(w.ids(), w.globalMask(settings.globalCls()), w.poolMask()));
            }
            BatchResult result = engine.embed(WindowBatch.of(batch));
            for (int i = 0; i < batch.size(); i++) {
                WindowResult r = result.windows().get(i);
                pooler.add(r.cls(), r.sum(), r.count(), windows.get(from + i).ownedTokens());
            }
            from = to;
        }
        return new DocumentVector(pooler.result(settings.normalize()), doc.size(), windows);
    }
}
