package dev.kembed.bench;

import dev.kembed.app.KembedApp;
import dev.kembed.app.KembedConfig;

import dev.kembed.stream.PipelineMetrics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kembed bench edits}: a feed of long documents, then one update per document that changes
 * a single paragraph, through the streaming job (embedded broker), with window reuse off and on
 * in one run: tokens sent to the engine and documents/s of the update phase, and the speed-up.
 */
@Command(name = "edits", mixinStandardHelpOptions = true,
        description = "Updates that change one paragraph of long documents: engine tokens and documents/s with window reuse off and on, same run.")
final class BenchEditsCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "Checkpoint directory.")
    Path model;

    @Option(names = "--documents", defaultValue = "40", description = "Long documents in the feed. Default: ${DEFAULT-VALUE}")
    int documents;

    @Option(names = "--paragraphs", defaultValue = "80", description = "Paragraphs per document. Default: ${DEFAULT-VALUE}")
    int paragraphs;

    @Option(names = "--max-tokens", defaultValue = "256", description = "Window size. Default: ${DEFAULT-VALUE}")
    int maxTokens;

    @Option(names = "--threads", defaultValue = "0", description = "Intra-op threads per engine call (0 = all cores). Default: ${DEFAULT-VALUE}")
    int threads;

    private static final String[] WORDS = ("kafka stream record partition offset broker consumer group window token model vector index "
            + "search document update embedding cluster replica leader follower commit transaction schema registry metric latency").split(" ");

    @Override
    public Integer call() throws Exception {
        List<List<String>> feed = new ArrayList<>();
        SplittableRandom rnd = new SplittableRandom(5);
        for (int d = 0; d < documents; d++) {
            List<String> paras = new ArrayList<>();
            for (int p = 0; p < paragraphs; p++) {
                paras.add(paragraph(rnd));
            }
            feed.add(paras);
        }
        System.out.printf("# kembed bench edits  model=%s  documents=%d x %d paragraphs, windows of %d tokens, text boundaries  cores=%d%n",
                model, documents, paragraphs, maxTokens, Runtime.getRuntime().availableProcessors());
        System.out.printf("%-6s %-10s %-10s %-18s %-18s %-16s%n", "reuse", "feed_s", "updates_s", "update_docs/s", "update_engine_tok",
                "windows_reused");
        double[] seconds = new double[2];
        double[] engineTokens = new double[2];
        for (int run = 0; run < 2; run++) {
            boolean reuse = run == 1;
            Path data = Files.createTempDirectory("kembed-bench-edits");
            Properties p = new Properties();
            p.put("kembed.model.dir", model.toString());
            p.put("kembed.model.threads", Integer.toString(threads));
            p.put("kembed.input.topic", "edits-in");
            p.put("kembed.output.topic", "edits-out");
            p.put("kembed.window.max.tokens", Integer.toString(maxTokens));
            p.put("kembed.window.boundaries", "text");
            p.put("kembed.window.reuse", Boolean.toString(reuse));
            p.put("kembed.schema.registry.url", "mock://kembed-bench-edits-" + run);
            p.put("application.id", "kembed-bench-edits-" + run);
            try (KembedApp app = KembedApp.start(KembedConfig.from(p, Map.of()), data)) {
                BenchSupport.awaitRunning(app);
                PipelineMetrics metrics = app.pipeline().metrics();
                long t0 = System.nanoTime();
                send(app.bootstrapServers(), feed, -1);
                awaitRecords(app.bootstrapServers(), documents);
                double feedSecs = (System.nanoTime() - t0) / 1e9;
                double before = metrics.tokensComputed();
                double reusedBefore = reused(metrics);
                long t1 = System.nanoTime();
                send(app.bootstrapServers(), feed, paragraphs / 2);
                awaitRecords(app.bootstrapServers(), 2 * documents);
                seconds[run] = (System.nanoTime() - t1) / 1e9;
                engineTokens[run] = metrics.tokensComputed() - before;
                System.out.printf("%-6s %-10.1f %-10.1f %-18.2f %-18.0f %-16.0f%n", reuse ? "on" : "off", feedSecs, seconds[run],
                        documents / seconds[run], engineTokens[run], reused(metrics) - reusedBefore);
            }
        }
        System.out.printf("updates: engine tokens %.1fx fewer with reuse, documents/s %.1fx%n", engineTokens[0] / Math.max(1, engineTokens[1]),
                seconds[0] / seconds[1]);
        return 0;
    }

    private static double reused(PipelineMetrics m) {
        return m.registry().find("kembed.windows.reused").counters().stream().mapToDouble(io.micrometer.core.instrument.Counter::count).sum();
    }

    private static String paragraph(SplittableRandom rnd) {
        StringBuilder p = new StringBuilder();
        int sentences = 2 + rnd.nextInt(3);
        for (int s = 0; s < sentences; s++) {
            int words = 6 + rnd.nextInt(10);
            for (int w = 0; w < words; w++) {
                p.append(WORDS[rnd.nextInt(WORDS.length)]).append(w == words - 1 ? ". " : " ");
            }
        }
        return p.toString().strip();
    }

    /** @param edited the paragraph each document's update replaces, or -1 for the original feed */
    private static void send(String bootstrap, List<List<String>> feed, int edited) {
        Properties pp = new Properties();
        pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(pp, new StringSerializer(), new StringSerializer())) {
            for (int d = 0; d < feed.size(); d++) {
                List<String> paras = new ArrayList<>(feed.get(d));
                if (edited >= 0) {
                    paras.set(edited, "this paragraph was rewritten in version two of document " + d + ". the rest is unchanged.");
                }
                String text = String.join("\n\n", paras);
                producer.send(new ProducerRecord<>("edits-in", "doc-" + d,
                        "{\"text\": " + com.fasterxml.jackson.databind.node.TextNode.valueOf(text) + "}"));
            }
        }
    }

    private static void awaitRecords(String bootstrap, int n) {
        int seen = 0;
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(60);
        try (KafkaConsumer<String, byte[]> c = BenchSupport.committedReader(bootstrap, "kembed-bench-edits-reader-" + System.nanoTime())) {
            c.subscribe(List.of("edits-out"));
            while (seen < n && System.nanoTime() < deadline) {
                seen += c.poll(Duration.ofMillis(100)).count();
            }
        }
    }
}
