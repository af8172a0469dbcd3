package dev.kembed.app;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kembed.embed.DirectEmbedder;
import dev.kembed.embed.DocumentVector;
import dev.kembed.text.EmbeddingSettings;
import dev.kembed.text.WindowPlan;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code kembed embed}: JSON Lines of documents in, JSON Lines of vectors out. */
@Command(name = "embed", mixinStandardHelpOptions = true,
        description = {"Embed JSON Lines documents ({\"id\": ..., \"text\": ...}) into JSON Lines vectors.",
                "A bad line becomes an error record with its line number; the run goes on. Exit code 3 if any line failed."})
final class EmbedCommand implements Callable<Integer> {
    @Mixin
    EngineOptions engine;

    @Mixin
    WindowOptions windows;

    @Mixin
    PoolingOptions pooling;

    @picocli.CommandLine.Option(names = "--batch-tokens", defaultValue = "16384", description = "Padded tokens per engine call. Default: ${DEFAULT-VALUE}")
    int batchTokens;

    @Mixin
    JsonLinesOptions io;

    @Override
    public Integer call() throws Exception {
        EmbeddingSettings settings = pooling.settings(windows);
        long ok = 0;
        long failed = 0;
        long tokens = 0;
        long start = System.nanoTime();
        Progress progress = new Progress();
        try (KembedModel model = engine.open(settings.globalCls());
                JsonLinesIo lines = io.open()) {
            DirectEmbedder embedder = new DirectEmbedder(model.plan(settings, WindowPlan.SettingNames.CLI), model.engine(), batchTokens);
            long[] counts = new long[2]; // documents, tokens
            failed = lines.forEach(line -> {
                DocumentVector e = embedder.embed(line.text());
                ObjectNode o = JsonLinesIo.JSON.createObjectNode();
                o.put("id", line.id()).put("dim", e.dimension()).put("windows", e.windows().size()).put("tokens", e.tokens());
                var arr = o.putArray("embedding");
                for (float v : e.vector()) {
                    arr.add(v);
                }
                counts[1] += e.tokens();
                return o;
            }, () -> progress.update(++counts[0], counts[1], start));
            ok = counts[0] - failed;
            tokens = counts[1];
        }
        progress.finish();
        double secs = (System.nanoTime() - start) / 1e9;
        System.err.printf("kembed embed: %d documents embedded, %d failed, %d tokens in %.1f s (%.0f tokens/s)%n",
                ok, failed, tokens, secs, tokens / Math.max(secs, 1e-9));
        return failed > 0 ? 3 : 0;
    }

    /** A one-line progress display, only when stderr is a terminal. */
    static final class Progress {
        private final boolean tty = System.console() != null;
        private long lastDraw;

        void update(long docs, long tokens, long start) {
            long now = System.nanoTime();
            if (!tty || now - lastDraw < 200_000_000L) {
                return;
            }
            lastDraw = now;
            double secs = (now - start) / 1e9;
            int bar = (int) (docs % 20);
            System.err.printf("\r[%s%s] %d docs  %d tokens  %.0f tokens/s ", "=".repeat(bar), " ".repeat(20 - bar), docs, tokens,
                    tokens / Math.max(secs, 1e-9));
        }

        void finish() {
            if (tty) {
                System.err.print("\r" + " ".repeat(70) + "\r");
            }
        }
    }
}
