package dev.kembed.app;

import dev.kembed.app.config.EngineConfig;
import dev.kembed.app.config.HttpConfig;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kembed serve}: query embeddings over HTTP without Kafka. Settings come from the same
 * properties file (and {@code KEMBED_*} variables) as {@code kembed run}, so queries and documents
 * are embedded alike; {@code --model}, {@code --port} and {@code --api-key} override it.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serve query embeddings over HTTP, without Kafka: POST /embed (text-embeddings-inference), POST /v1/embeddings",
                "(OpenAI), GET /info, /health, /metrics. Takes the kembed run configuration (kembed.* keys; Kafka keys are ignored) so",
                "that queries are embedded exactly like the stream's documents."})
public final class ServeCommand implements Callable<Integer> {
    @Option(names = "--config", description = "Properties file of kembed run (kembed.* keys: model, window, pooling, queue, kembed.http.*).")
    Path config;

    @Option(names = "--model", description = "Checkpoint directory (overrides kembed.model.dir).")
    Path model;

    @Option(names = "--port", description = "HTTP port (overrides kembed.http.port; default 8080).")
    Integer port;

    @Option(names = "--api-key", description = "Bearer token the routes require (overrides kembed.http.api.key; prefer the "
            + "KEMBED_HTTP_API_KEY variable, which ps does not show).")
    String apiKey;

    @Option(names = "--data-dir", defaultValue = "kembed-data", description = "GPU engine caches. Default: ${DEFAULT-VALUE}")
    Path dataDir;

    @Override
    public Integer call() throws Exception {
        Properties raw = new Properties();
        if (config != null) {
            raw.putAll(KembedConfig.readProperties(config));
        }
        if (model != null) {
            raw.put(EngineConfig.MODEL_DIR, model.toString());
        }
        if (apiKey != null) {
            raw.put(HttpConfig.HTTP_API_KEY, apiKey);
        }
        KembedConfig cfg = KembedConfig.from(raw, System.getenv());
        int listen = port != null ? port : cfg.httpPort() > 0 ? cfg.httpPort() : 8080;
        CountDownLatch stop = new CountDownLatch(1);
        try (QueryServer server = QueryServer.start(cfg, dataDir, listen)) {
            Thread hook = new Thread(() -> {
                stop.countDown();
                server.close();
            }, "kembed-serve-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            server.engineGaveUp().thenRun(stop::countDown); // a hung engine with no fresh instance left: exit so that it is restarted
            System.err.printf("kembed serve: listening on http://localhost:%d (model %s)%n", server.port(), server.model().name());
            stop.await();
            String gaveUp = server.engineGaveUp().getNow(null);
            if (gaveUp != null) {
                Runtime.getRuntime().removeShutdownHook(hook);
                System.err.println("kembed serve: the engine hung and no fresh instance recovered (" + gaveUp + "); exiting");
                return 1;
            }
        }
        return 0;
    }
}
