package dev.kembed.bench;

import dev.kembed.app.EngineOptions;
import dev.kembed.app.KembedModel;
import dev.kembed.app.KembedApp;
import dev.kembed.app.KembedConfig;
import dev.kembed.app.DemoDocuments;
import dev.kembed.app.EmbedCommand;
import dev.kembed.app.config.ModelDefaults;

import dev.kembed.text.EmbeddingSettings;
import dev.kembed.text.GlobalAttention;
import dev.kembed.text.Pooling;
import dev.kembed.text.WindowPlan;
import com.fasterxml.jackson.databind.JsonNode;
import dev.kembed.embed.DirectEmbedder;
import dev.kembed.stream.PipelineMetrics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kembed bench stream}: end-to-end throughput of the streaming job (embedded broker,
 * exactly-once, 4 partitions) against the synchronous path on the same documents and model in the
 * same run, so the ratio shows what Kafka, the stores and the batching queue cost or gain.
 */
@Command(name = "stream", mixinStandardHelpOptions = true,
        description = "End-to-end documents/s and tokens/s of the streaming job vs. the synchronous path, same run.")
final class BenchStreamCommand implements Callable<Integer> {
    @picocli.CommandLine.Mixin
    EngineOptions engine;

    @Option(names = "--copies", defaultValue = "2", description = "How many copies of the documents to send. Default: ${DEFAULT-VALUE}")
    int copies;

    @Option(names = "--input", description = "JSON Lines documents ({\"id\", \"text\"}) instead of the bundled demo documents, "
            + "e.g. scripts/data/short-passages.jsonl (2,000 passages of 60-480 tokens).")
    Path input;

    @Override
    public Integer call() throws Exception {
        List<JsonNode> docs = input == null ? DemoDocuments.load() : BenchSupport.jsonLines(input);
        int n = docs.size() * copies;
        System.out.printf("# kembed bench stream  model=%s  engine=%s  documents=%d (%d %s x %d)  cores=%d%n", engine.model(), engine.engineName(),
                n, docs.size(), input == null ? "bundled" : input.toString(), copies,
                Runtime.getRuntime().availableProcessors());

        // 1. synchronous baseline: kembed embed's path (tokenize, window, pool; the windows of a block of documents batched by the queue)
        long tokens = 0;
        long t0 = System.nanoTime();
        // a sentence-transformers directory's pooling, normalization and max_seq_length, as kembed embed and kembed run take them
        EmbeddingSettings settings = ModelDefaults.apply(new EmbeddingSettings(Pooling.MEAN, GlobalAttention.NONE, true, 0, 0),
                new ModelDefaults.Given(false, false, false, "--pooling", "--normalize", "--max-tokens", "--prompt", "--prompt-name"),
                engine.model(), "", "");
        int windowTokens;
        try (KembedModel m = engine.open(false)) {
            WindowPlan plan = m.plan(settings, WindowPlan.SettingNames.CLI);
            windowTokens = plan.maxTokens();
            DirectEmbedder direct = new DirectEmbedder(plan, m.engine(), 16384);
            direct.embed("warm up");
            t0 = System.nanoTime();
            for (int c = 0; c < copies; c++) {
                for (int from = 0; from < docs.size(); from += EmbedCommand.BLOCK_LINES) {
                    List<WindowPlan.Planned> block = docs.subList(from, Math.min(docs.size(), from + EmbedCommand.BLOCK_LINES)).stream()
                            .map(d -> plan.cut(d.get("text").asText())).toList();
                    for (var v : direct.embedAll(block, settings.normalize())) {
                        tokens += v.tokens();
                    }
                }
            }
        }
        double directSecs = (System.nanoTime() - t0) / 1e9;
        System.out.printf("direct   %6.1f s  %7.1f docs/s  %8.0f tokens/s%n", directSecs, n / directSecs, tokens / directSecs);

        // 2. the streaming job on an embedded broker
        Path data = Files.createTempDirectory("kembed-bench-stream");
        Properties p = new Properties();
        p.put("kembed.model.dir", engine.model().toString());
        p.put("kembed.model.threads", Integer.toString(engine.threads()));
        p.put("kembed.engine", engine.engineName());
        p.put("kembed.precision", engine.precision());
        p.put("kembed.input.topic", "bench-in");
        p.put("kembed.output.topic", "bench-out");
        p.put("kembed.normalize", Boolean.toString(settings.normalize()));
        p.put("kembed.pooling", settings.pooling().label());
        p.put("kembed.window.max.tokens", Integer.toString(windowTokens));
        p.put("kembed.global.attention", "none");
        p.put("kembed.schema.registry.url", "mock://kembed-bench");
        p.put("application.id", "kembed-bench");
        try (KembedApp app = KembedApp.start(KembedConfig.from(p, Map.of()), data)) {
            BenchSupport.awaitRunning(app);
            Properties pp = new Properties();
            pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, app.bootstrapServers());
            long s0 = System.nanoTime();
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(pp, new StringSerializer(), new StringSerializer())) {
                for (int c = 0; c < copies; c++) {
                    for (JsonNode d : docs) {
                        producer.send(new ProducerRecord<>("bench-in", d.get("id").asText() + "#" + c, d.toString()));
                    }
                }
            }
            int got = awaitOutputs(app.bootstrapServers(), n, Duration.ofMinutes(30));
            double streamSecs = (System.nanoTime() - s0) / 1e9;
            PipelineMetrics metrics = app.pipeline().metrics();
            var reg = metrics.registry();
            System.out.printf("stream   %6.1f s  %7.1f docs/s  %8.0f tokens/s   (%d of %d documents)%n", streamSecs, got / streamSecs,
                    tokens / streamSecs, got, n);
            System.out.printf("stream/direct throughput ratio: %.2f%n", directSecs / streamSecs);
            System.out.printf("batches %d, windows/batch mean %.1f max %.0f, padding efficiency mean %.2f, partitions/batch max %.0f,"
                    + " queue wait mean %.0f ms, inference mean %.0f ms%n",
                    metrics.batches(), reg.get("kembed.batch.windows").summary().mean(), reg.get("kembed.batch.windows").summary().max(),
                    reg.get("kembed.batch.padding.efficiency").summary().mean(), metrics.maxPartitionsPerBatch(),
                    reg.get("kembed.batch.queue.wait").timer().mean(TimeUnit.MILLISECONDS), reg.get("kembed.batch.inference").timer().mean(TimeUnit.MILLISECONDS));
            return got == n ? 0 : 1;
        }
    }

    private static int awaitOutputs(String bootstrap, int n, Duration timeout) {
        Set<String> seen = new HashSet<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        try (KafkaConsumer<String, byte[]> c = BenchSupport.committedReader(bootstrap, "kembed-bench-reader")) {
            c.subscribe(List.of("bench-out"));
            while (seen.size() < n && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(100))) {
                    seen.add(r.key());
                }
            }
        }
        return seen.size();
    }
}
