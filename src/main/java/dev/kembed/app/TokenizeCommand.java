package dev.kembed.app;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kembed.model.checkpoint.ModelConfig;
import dev.kembed.text.DocumentTokenizer;
import dev.kembed.text.TextWindow;
import dev.kembed.text.TokenizedText;
import dev.kembed.text.Windower;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code kembed tokenize}: what the model sees, per document: ids, tokens, windows and their spans. */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = "Show token ids, tokens and each window's token range and character span, as JSON Lines.")
final class TokenizeCommand implements Callable<Integer> {
    @Mixin
    ModelOptions options;

    @Mixin
    JsonLinesOptions io;

    @Override
    public Integer call() throws Exception {
        ModelConfig cfg = ModelConfig.read(options.model);
        int max = options.maxTokens > 0 ? options.maxTokens : cfg.maxTokens();
        Windower windower = new Windower(max, options.overlap, cfg.bosTokenId(), cfg.eosTokenId());
        long failed;
        try (DocumentTokenizer tokenizer = DocumentTokenizer.open(options.model, cfg.vocabSize());
                JsonLinesIo lines = io.open()) {
            failed = lines.forEach(line -> {
                TokenizedText doc = tokenizer.tokenize(line.text());
                ObjectNode o = JsonLinesIo.JSON.createObjectNode();
                o.put("id", line.id()).put("tokens", doc.size());
                ArrayNode ids = o.putArray("ids");
                ArrayNode toks = o.putArray("token_strings");
                for (int i = 0; i < doc.size(); i++) {
                    ids.add(doc.ids()[i]);
                    toks.add(doc.tokens()[i]);
                }
                ArrayNode ws = o.putArray("windows");
                for (TextWindow w : windower.cut(doc)) {
                    ws.addObject().put("index", w.index()).put("token_start", w.tokenStart()).put("token_end", w.tokenEnd())
                            .put("length", w.length()).put("owned_tokens", w.ownedTokens())
                            .put("char_start", w.charStart()).put("char_end", w.charEnd());
                }
                return o;
            }, () -> { });
        }
        return failed > 0 ? 3 : 0;
    }
}
