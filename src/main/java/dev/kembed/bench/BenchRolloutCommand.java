package dev.kembed.bench;

import dev.kembed.app.EmbeddedKafkaBroker;
import dev.kembed.app.EngineOptions;
import dev.kembed.app.KembedApp;
import dev.kembed.app.KembedConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kembed bench rollout}: what an in-stream rollout costs, in one run on one broker. A corpus
 * is embedded by the live pipeline alone (documents/s); then a feed of short documents runs
 * through the live pipeline for a while, once without a rollout and once while the same process
 * rolls the whole corpus out to the next settings (the same model with a prompt: every window new).
 * It prints the rollout's documents/s next to the live-only rate, and the live short documents'
 * end-to-end p50/p99 with and without the rollout running.
 */
@Command(name = "rollout", mixinStandardHelpOptions = true,
        description = "Rollout throughput next to live-only, and live short-document latency with and without a rollout, same run.")
final class BenchRolloutCommand implements Callable<Integer> {
    @picocli.CommandLine.Mixin
    EngineOptions engine;

    @Option(names = "--documents", defaultValue = "300", description = "Corpus size. Default: ${DEFAULT-VALUE}")
    int documents;

    @Option(names = "--words", split = ",", defaultValue = "60,360", description = "Word range of corpus documents. Default: ${DEFAULT-VALUE}")
    List<Integer> words;

    @Option(names = "--feed-per-second", defaultValue = "2", description = "Short live documents per second during the latency phases. Default: ${DEFAULT-VALUE}")
    double feedPerSecond;

    @Option(names = "--feed-seconds", defaultValue = "40", description = "Length of each latency phase. Default: ${DEFAULT-VALUE}")
    int feedSeconds;

    @Override
    public Integer call() throws Exception {
        System.out.printf("# kembed bench rollout  model=%s  engine=%s  documents=%d  feed=%.1f short documents/s for %d s  cores=%d%n",
                engine.model(), engine.engineName(), documents, feedPerSecond, feedSeconds, Runtime.getRuntime().availableProcessors());
        BenchSupport.printCpu();
        String[] vocabulary = BenchSupport.vocabulary();
        SplittableRandom rnd = new SplittableRandom(23);
        Path dir = Files.createTempDirectory("kembed-bench-rollout");
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(dir.resolve("broker"))) {
            String bootstrap = broker.bootstrapServers();
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
                admin.createTopics(List.of(new NewTopic("corpus", 4, (short) 1).configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG,
                        TopicConfig.CLEANUP_POLICY_COMPACT)))).all().get();
            }
            List<String[]> corpus = new ArrayList<>();
            for (int i = 0; i < documents; i++) {
                corpus.add(new String[] {"doc-" + i, BenchSupport.text(vocabulary, rnd, words.get(0) + rnd.nextInt(words.get(1) - words.get(0) + 1))});
            }
            Properties main = config(bootstrap);
            Path data = dir.resolve("data");
            double liveRate;
            double[] without;
            try (KembedApp app = KembedApp.start(KembedConfig.from(main, Map.of()), data)) {
                BenchSupport.awaitRunning(app);
                long t0 = System.nanoTime();
                send(bootstrap, corpus);
                awaitKeys(bootstrap, "live-out", documents, "live-only");
                liveRate = documents / ((System.nanoTime() - t0) / 1e9);
                without = feed(bootstrap, rnd, vocabulary, "live-out", "a");
            }
            Properties rollout = new Properties();
            rollout.putAll(main);
            rollout.put("kembed.rollout.model.dir", engine.model().toString());
            rollout.put("kembed.rollout.output.topic", "next-out");
            rollout.put("kembed.rollout.prompt", "search_document: ");
            double rolloutRate;
            double[] with;
            try (KembedApp app = KembedApp.start(KembedConfig.from(rollout, Map.of()), data)) {
                BenchSupport.awaitRunning(app);
                long t0 = System.nanoTime();
                Thread done = new Thread(() -> awaitKeys(bootstrap, "next-out", documents, "rollout"), "bench-rollout-watch");
                done.start();
                with = feed(bootstrap, rnd, vocabulary, "live-out", "b");
                done.join(Duration.ofMinutes(60).toMillis());
                rolloutRate = documents / ((System.nanoTime() - t0) / 1e9);
            }
            System.out.printf("%-42s %10s%n", "", "documents/s");
            System.out.printf("%-42s %10.2f%n", "live only (the corpus, nothing else)", liveRate);
            System.out.printf("%-42s %10.2f   (%.2fx live-only; behind a live feed of %.1f/s)%n", "rollout (the corpus again, next settings)",
                    rolloutRate, rolloutRate / liveRate, feedPerSecond);
            System.out.printf("%-42s %6s %8s %8s %8s%n", "live short documents", "docs", "p50_ms", "p99_ms", "max_ms");
            print("without a rollout", without);
            print("with the rollout running", with);
            System.out.printf("live p99 with / without the rollout: %.2f%n", BenchSupport.percentile(with, 99) / BenchSupport.percentile(without, 99));
        }
        return 0;
    }

    private Properties config(String bootstrap) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("application.id", "kembed-bench-rollout");
        p.put("kembed.model.dir", engine.model().toString());
        p.put("kembed.model.threads", Integer.toString(engine.threads()));
        p.put("kembed.engine", engine.engineName());
        p.put("kembed.precision", engine.precision());
        p.put("kembed.input.topic", "corpus");
        p.put("kembed.output.topic", "live-out");
        p.put("kembed.schema.registry.url", "mock://kembed-bench-rollout");
        p.put("commit.interval.ms", "100");
        p.put("session.timeout.ms", "6000");
        p.put("heartbeat.interval.ms", "1000");
        return p;
    }

    private static void print(String what, double[] ms) {
        System.out.printf("%-42s %6d %8.0f %8.0f %8.0f%n", what, ms.length, BenchSupport.percentile(ms, 50), BenchSupport.percentile(ms, 99),
                Arrays.stream(ms).max().orElse(Double.NaN));
    }

    /** Short documents at a fixed rate into the live pipeline; their end-to-end latencies (send to committed output), ms. */
    private double[] feed(String bootstrap, SplittableRandom rnd, String[] vocabulary, String out, String tag) throws Exception {
        int n = (int) Math.round(feedPerSecond * feedSeconds);
        Map<String, Long> sent = new ConcurrentHashMap<>();
        Map<String, Long> received = new ConcurrentHashMap<>();
        Thread reader = new Thread(() -> {
            long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
            try (KafkaConsumer<String, byte[]> c = BenchSupport.committedReader(bootstrap, "bench-rollout-feed-" + tag)) {
                c.subscribe(List.of(out));
                while (received.size() < n && System.nanoTime() < deadline) {
                    for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(20))) {
                        if (r.key().startsWith("short-" + tag)) {
                            received.putIfAbsent(r.key(), System.nanoTime());
                        }
                    }
                }
            }
        }, "bench-rollout-reader");
        reader.start();
        Thread.sleep(2000); // the reader's group joins before the first document goes
        long start = System.nanoTime();
        try (KafkaProducer<String, String> producer = producer(bootstrap)) {
            for (int i = 0; i < n; i++) {
                long wait = start + (long) (i * 1e9 / feedPerSecond) - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                }
                String id = "short-" + tag + "-" + i;
                sent.put(id, System.nanoTime());
                producer.send(new ProducerRecord<>("corpus", id, json(BenchSupport.text(vocabulary, rnd, 20 + rnd.nextInt(60)))));
                producer.flush();
            }
        }
        reader.join(Duration.ofMinutes(10).toMillis());
        return sent.keySet().stream().filter(received::containsKey).mapToDouble(k -> (received.get(k) - sent.get(k)) / 1e6).toArray();
    }

    private static void send(String bootstrap, List<String[]> docs) {
        try (KafkaProducer<String, String> producer = producer(bootstrap)) {
            for (String[] d : docs) {
                producer.send(new ProducerRecord<>("corpus", d[0], json(d[1])));
            }
        }
    }

    private static KafkaProducer<String, String> producer(String bootstrap) {
        Properties pp = new Properties();
        pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        pp.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        return new KafkaProducer<>(pp, new StringSerializer(), new StringSerializer());
    }

    /** Waits until {@code topic} holds {@code n} distinct corpus documents (committed). */
    private static void awaitKeys(String bootstrap, String topic, int n, String what) {
        Set<String> keys = ConcurrentHashMap.newKeySet();
        long deadline = System.nanoTime() + Duration.ofMinutes(60).toNanos();
        try (KafkaConsumer<String, byte[]> c = BenchSupport.committedReader(bootstrap, "bench-rollout-" + what)) {
            c.subscribe(List.of(topic));
            while (keys.size() < n && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(50))) {
                    if (r.key().startsWith("doc-")) {
                        keys.add(r.key());
                    }
                }
            }
        }
        if (keys.size() < n) {
            throw new IllegalStateException(what + ": only " + keys.size() + " of " + n + " documents came out");
        }
    }

    private static String json(String text) {
        return new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode().put("text", text).toString();
    }

}
