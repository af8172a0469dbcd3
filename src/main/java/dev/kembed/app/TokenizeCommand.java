package dev.kembed.app;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kembed.text.Chunk;
import dev.kembed.text.Chunker;
import dev.kembed.text.EmbeddingSettings;
import dev.kembed.text.GlobalAttention;
import dev.kembed.text.Pooling;
import dev.kembed.text.TextWindow;
import dev.kembed.text.TokenizedText;
import dev.kembed.text.WindowPlan;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code kembed tokenize}: what the model sees, per document: ids, tokens, windows, retrieval chunks and their spans. */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = "Show token ids, tokens, and each window's and retrieval chunk's token range and character span, as JSON Lines.")
public final class TokenizeCommand implements Callable<Integer> {
    @picocli.CommandLine.Option(names = "--model", required = true, description = "Checkpoint directory (config.json, weights, tokenizer).")
    Path model;

    @Mixin
    WindowOptions windows;

    @picocli.CommandLine.Option(names = "--chunk-tokens", defaultValue = "256",
            description = "Retrieval chunk size in content tokens, cut at text boundaries (0 = one chunk per window). Default: ${DEFAULT-VALUE}")
    int chunkTokens;

    @Mixin
    JsonLinesOptions io;

    @Override
    public Integer call() throws Exception {
        EmbeddingSettings settings = new EmbeddingSettings(Pooling.MEAN, GlobalAttention.NONE, false, windows.maxTokens, windows.overlap,
                windows.boundaries());
        Chunker chunker = ChunkOptions.chunker(this, chunkTokens);
        long failed;
        try (KembedModel.Tokenizing tokenizing = KembedModel.tokenizing(model);
                JsonLinesIo lines = io.open()) {
            WindowPlan plan = tokenizing.plan(settings, WindowPlan.SettingNames.CLI);
            failed = lines.forEach(line -> {
                TokenizedText doc = plan.tokenize(line.text());
                ObjectNode o = JsonLinesIo.JSON.createObjectNode();
                o.put("id", line.id()).put("tokens", doc.size());
                ArrayNode ids = o.putArray("ids");
                ArrayNode toks = o.putArray("token_strings");
                for (int i = 0; i < doc.size(); i++) {
                    ids.add(doc.ids()[i]);
                    toks.add(doc.tokens()[i]);
                }
                ArrayNode ws = o.putArray("windows");
                List<TextWindow> cut = plan.cut(doc);
                for (TextWindow w : cut) {
                    ws.addObject().put("index", w.index()).put("token_start", w.tokenStart()).put("token_end", w.tokenEnd())
                            .put("length", w.length()).put("owned_tokens", w.ownedTokens())
                            .put("char_start", w.charStart()).put("char_end", w.charEnd())
                            .put("cut", w.cut().name().toLowerCase(java.util.Locale.ROOT));
                }
                ArrayNode cs = o.putArray("chunks");
                for (Chunk c : chunkTokens == 0 ? Chunker.ofWindows(cut, doc) : chunker.cut(doc)) {
                    cs.addObject().put("chunk_index", c.index()).put("chunk_id", Chunk.key(line.id(), c.index()))
                            .put("token_start", c.tokenStart()).put("token_end", c.tokenEnd()).put("token_count", c.tokenCount())
                            .put("char_start", c.charStart()).put("char_end", c.charEnd()).put("text", c.text());
                }
                return o;
            }, () -> { });
        }
        return failed > 0 ? 3 : 0;
    }
}
