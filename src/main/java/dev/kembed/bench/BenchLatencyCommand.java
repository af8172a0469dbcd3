package dev.kembed.bench;

import dev.kembed.app.EngineOptions;
import dev.kembed.app.KembedApp;
import dev.kembed.app.KembedConfig;
import dev.kembed.app.KembedModel;
import dev.kembed.embed.DirectEmbedder;
import dev.kembed.text.EmbeddingSettings;
import dev.kembed.text.GlobalAttention;
import dev.kembed.text.Pooling;
import dev.kembed.text.WindowPlan;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kembed bench latency}: a real-time feed through the full streaming job (embedded broker,
 * exactly-once): mostly short documents with long ones mixed in, arriving at a fixed rate sized
 * to load the engine to a share of what it measures first. The same feed runs under each queue
 * policy in one run; per class (short, long) it prints p50/p90/p99 and mean end-to-end latency
 * (producer send to committed output), and documents/s and engine tokens/s.
 */
@Command(name = "latency", mixinStandardHelpOptions = true,
        description = "End-to-end latency of short and long documents in a mixed real-time feed, per queue policy, same run.")
final class BenchLatencyCommand implements Callable<Integer> {
    @picocli.CommandLine.Mixin
    EngineOptions engine;

    @Option(names = "--policies", split = ",", defaultValue = "fifo,shortest-first", description = "Queue policies to run, in order. Default: ${DEFAULT-VALUE}")
    List<String> policies;

    @Option(names = "--seconds", defaultValue = "120", description = "How long documents arrive, per policy. Default: ${DEFAULT-VALUE}")
    int seconds;

    @Option(names = "--load", defaultValue = "0.7", description = "Offered load as a share of the measured engine throughput. Default: ${DEFAULT-VALUE}")
    double load;

    @Option(names = "--short-tokens", split = ",", defaultValue = "50,300", description = "Token range of short documents. Default: ${DEFAULT-VALUE}")
    List<Integer> shortTokens;

    @Option(names = "--long-tokens", split = ",", defaultValue = "10000,50000", description = "Token range of long documents. Default: ${DEFAULT-VALUE}")
    List<Integer> longTokens;

    @Option(names = "--shorts-per-long", defaultValue = "40", description = "Short documents per long one in the feed. Default: ${DEFAULT-VALUE}")
    int shortsPerLong;

    @Option(names = "--max-wait-ms", defaultValue = "20", description = "kembed.batch.max.wait.ms of the job. Default: ${DEFAULT-VALUE}")
    long maxWaitMs;

    record Doc(String id, String text, boolean isLong, int tokens) {}

    @Override
    public Integer call() throws Exception {
        System.out.printf("# kembed bench latency  model=%s  engine=%s  load=%.2f  seconds=%d per policy  cores=%d%n", engine.model(),
                engine.engineName(), load, seconds, Runtime.getRuntime().availableProcessors());
        BenchSupport.printCpu();
        String[] vocabulary = BenchSupport.vocabulary();
        SplittableRandom rnd = new SplittableRandom(17);
        EmbeddingSettings settings = new EmbeddingSettings(Pooling.MEAN, GlobalAttention.NONE, true, 0, 0);
        List<Doc> feed = new ArrayList<>();
        double shortCost;
        double longCost;
        double longestWindowMs;
        try (KembedModel m = engine.open(false)) {
            WindowPlan plan = m.plan(settings, WindowPlan.SettingNames.CLI);
            DirectEmbedder direct = new DirectEmbedder(plan, m.engine(), plan.maxTokens()); // one window per call, as the job's default
            // calibration, on this engine: seconds per short and per long document, and one maximal window
            direct.embed(BenchSupport.text(vocabulary, rnd, 200));
            List<Doc> probeShort = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                probeShort.add(doc(plan, vocabulary, rnd, "probe-s" + i, false, shortTokens));
            }
            Doc probeLong = doc(plan, vocabulary, rnd, "probe-l", true, longTokens);
            shortCost = time(direct, probeShort) / probeShort.size();
            longCost = time(direct, List.of(probeLong));
            double[] win = new double[3];
            String maximal = BenchSupport.text(vocabulary, rnd, plan.maxTokens() * 2);
            String oneWindow = plan.tokenize(maximal).size() > 0 ? cutToOneWindow(plan, maximal) : maximal;
            for (int i = 0; i < win.length; i++) {
                long t0 = System.nanoTime();
                direct.embed(oneWindow);
                win[i] = (System.nanoTime() - t0) / 1e6;
            }
            longestWindowMs = BenchSupport.median(win);
            double tokensPerSec = probeLong.tokens() / longCost;
            System.out.printf("calibration: short document %.0f ms, long document (%d tokens) %.1f s = %.0f tokens/s, one maximal window (%d tokens)"
                    + " %.0f ms%n", shortCost * 1e3, probeLong.tokens(), longCost, tokensPerSec, plan.maxTokens(), longestWindowMs);
            // the feed: per cycle, shortsPerLong short documents and one long one
            double longShare = longTokens.stream().mapToInt(Integer::intValue).average().orElseThrow() / probeLong.tokens();
            double cycleCost = shortsPerLong * shortCost + longCost * longShare;
            double docsPerSec = load * (shortsPerLong + 1) / cycleCost;
            int n = (int) Math.max(shortsPerLong + 1, Math.round(docsPerSec * seconds));
            for (int i = 0; i < n; i++) {
                boolean isLong = i % (shortsPerLong + 1) == shortsPerLong / 2;
                feed.add(doc(plan, vocabulary, rnd, (isLong ? "long-" : "short-") + i, isLong, isLong ? longTokens : shortTokens));
            }
            long longDocs = feed.stream().filter(Doc::isLong).count();
            System.out.printf("feed: %d documents (%d long), %.2f documents/s, offered load %.0f%% of the calibrated engine%n", n, longDocs,
                    docsPerSec, load * 100);
        }
        double intervalMs = seconds * 1000.0 / feed.size();
        System.out.printf("%-15s %-6s %6s %9s %9s %9s %9s %9s%n", "policy", "class", "docs", "p50_ms", "p90_ms", "p99_ms", "mean_ms", "max_ms");
        List<String> summary = new ArrayList<>();
        for (String policy : policies) {
            summary.add(run(policy, feed, intervalMs));
        }
        summary.forEach(System.out::println);
        System.out.printf("bound for short p99 (issue): 2 x one maximal window + max.wait = %.0f ms%n", 2 * longestWindowMs + maxWaitMs);
        return 0;
    }

    private String run(String policy, List<Doc> feed, double intervalMs) throws Exception {
        Path data = Files.createTempDirectory("kembed-bench-latency");
        Properties p = new Properties();
        p.put("kembed.model.dir", engine.model().toString());
        p.put("kembed.model.threads", Integer.toString(engine.threads()));
        p.put("kembed.engine", engine.engineName());
        p.put("kembed.precision", engine.precision());
        p.put("kembed.input.topic", "latency-in");
        p.put("kembed.output.topic", "latency-out");
        p.put("kembed.normalize", "true");
        p.put("kembed.global.attention", "none");
        p.put("kembed.queue.policy", policy);
        p.put("kembed.batch.max.wait.ms", Long.toString(maxWaitMs));
        p.put("kembed.input.max.chars", "10000000");
        p.put("kembed.schema.registry.url", "mock://kembed-bench-latency-" + policy);
        p.put("application.id", "kembed-bench-latency-" + policy);
        p.put("commit.interval.ms", "100");
        Map<String, Long> sent = new ConcurrentHashMap<>();
        Map<String, Long> received = new ConcurrentHashMap<>();
        try (KembedApp app = KembedApp.start(KembedConfig.from(p, Map.of()), data)) {
            BenchSupport.awaitRunning(app);
            double tokens0 = app.pipeline().metrics().tokensComputed();
            Thread reader = new Thread(() -> read(app.bootstrapServers(), feed.size(), received), "bench-latency-reader");
            reader.start();
            Properties pp = new Properties();
            pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, app.bootstrapServers());
            pp.put(ProducerConfig.LINGER_MS_CONFIG, "0");
            pp.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, "8388608");
            long start = System.nanoTime();
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(pp, new StringSerializer(), new StringSerializer())) {
                com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
                for (int i = 0; i < feed.size(); i++) {
                    long due = start + (long) (i * intervalMs * 1e6);
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    }
                    Doc d = feed.get(i);
                    sent.put(d.id(), System.nanoTime());
                    producer.send(new ProducerRecord<>("latency-in", d.id(), json.createObjectNode().put("text", d.text()).toString()));
                    producer.flush();
                }
            }
            reader.join(Duration.ofMinutes(30).toMillis());
            double secs = (received.values().stream().mapToLong(Long::longValue).max().orElse(start) - start) / 1e9;
            double tokens = app.pipeline().metrics().tokensComputed() - tokens0;
            for (boolean isLong : new boolean[] {false, true}) {
                double[] ms = feed.stream().filter(d -> d.isLong() == isLong && received.containsKey(d.id()))
                        .mapToDouble(d -> (received.get(d.id()) - sent.get(d.id())) / 1e6).toArray();
                System.out.printf("%-15s %-6s %6d %9.0f %9.0f %9.0f %9.0f %9.0f%n", policy, isLong ? "long" : "short", ms.length,
                        BenchSupport.percentile(ms, 50), BenchSupport.percentile(ms, 90), BenchSupport.percentile(ms, 99),
                        java.util.Arrays.stream(ms).average().orElse(Double.NaN), java.util.Arrays.stream(ms).max().orElse(Double.NaN));
            }
            return String.format("%-15s %d of %d documents in %.1f s: %.2f documents/s, %.0f engine tokens/s", policy, received.size(),
                    feed.size(), secs, received.size() / secs, tokens / secs);
        }
    }

    private static void read(String bootstrap, int n, Map<String, Long> received) {
        long deadline = System.nanoTime() + Duration.ofMinutes(30).toNanos();
        try (KafkaConsumer<String, byte[]> c = BenchSupport.committedReader(bootstrap, "kembed-bench-latency-reader")) {
            c.subscribe(List.of("latency-out"));
            while (received.size() < n && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(20))) {
                    received.putIfAbsent(r.key(), System.nanoTime());
                }
            }
        }
    }

    private static double time(DirectEmbedder direct, List<Doc> docs) {
        long t0 = System.nanoTime();
        for (Doc d : docs) {
            direct.embed(d.text());
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    /** A document of about a token count drawn from {@code range}, measured with the model's tokenizer. */
    private static Doc doc(WindowPlan plan, String[] vocabulary, SplittableRandom rnd, String id, boolean isLong, List<Integer> range) {
        int want = range.get(0) + rnd.nextInt(Math.max(1, range.get(1) - range.get(0) + 1));
        String text = BenchSupport.text(vocabulary, rnd, want);
        int tokens = plan.tokenize(text).size();
        // words are ~1.3 tokens: scale once to land near the wanted count
        text = BenchSupport.text(vocabulary, rnd, Math.max(1, (int) ((long) want * want / Math.max(1, tokens))));
        return new Doc(id, text, isLong, plan.tokenize(text).size());
    }


    /** The longest prefix of {@code text} that still fits one window (what one engine call costs at most). */
    private static String cutToOneWindow(WindowPlan plan, String text) {
        String[] words = text.split(" ");
        int lo = 1;
        int hi = words.length;
        while (lo < hi) {
            int mid = (lo + hi + 1) / 2;
            String prefix = String.join(" ", java.util.Arrays.copyOf(words, mid));
            if (plan.cut(prefix).windows().size() == 1) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return String.join(" ", java.util.Arrays.copyOf(words, lo));
    }
}
