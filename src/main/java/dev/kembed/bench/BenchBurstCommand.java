package dev.kembed.bench;

import dev.kembed.app.EmbeddedKafkaBroker;
import dev.kembed.app.TopicAdmin;

import java.io.IOException;
import java.io.InputStream;
import java.io.Writer;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kembed bench burst}: a backlog of long documents waits on the input topic before kembed
 * starts, in a child JVM with a small heap; the bench samples the child's RSS and heap until every
 * document is out, and counts what was lost or doubled. Shows that the queue's backpressure keeps
 * memory bounded however large the backlog.
 */
@Command(name = "burst", mixinStandardHelpOptions = true,
        description = "Peak RSS and heap of a kembed (child JVM, small heap) working off a large backlog of long documents.")
final class BenchBurstCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "Checkpoint directory.")
    Path model;

    @Option(names = "--documents", defaultValue = "2000", description = "Documents in the backlog. Default: ${DEFAULT-VALUE}")
    int documents;

    @Option(names = "--words", defaultValue = "20000", description = "Words per document. Default: ${DEFAULT-VALUE}")
    int words;

    @Option(names = "--heap", defaultValue = "1g", description = "The child's -Xmx. Default: ${DEFAULT-VALUE}")
    String heap;

    @Option(names = "--timeout-minutes", defaultValue = "60", description = "Give up after this long. Default: ${DEFAULT-VALUE}")
    int timeoutMinutes;

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Override
    public Integer call() throws Exception {
        Path dir = Files.createTempDirectory("kembed-bench-burst");
        String[] vocabulary = BenchSupport.vocabulary();
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(dir.resolve("broker"))) {
            TopicAdmin.ensure(bootstrap(broker), List.of("burst-in", "burst-out", "burst-in-dlq"), true, 4, (short) 1);
            long chars = produce(broker.bootstrapServers(), vocabulary);
            System.out.printf("# kembed bench burst  model=%s  backlog=%d documents x %d words (%.0f MB of text)  child -Xmx%s  cores=%d%n",
                    model, documents, words, chars / 1e6, heap, Runtime.getRuntime().availableProcessors());
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            Process child = startChild(dir, broker.bootstrapServers(), port);
            long t0 = System.nanoTime();
            long peakRss = 0;
            double peakHeap = 0;
            double peakQueued = 0;
            Map<String, Integer> seen = new HashMap<>();
            int records = 0;
            try (KafkaConsumer<String, byte[]> out = BenchSupport.committedReader(broker.bootstrapServers(), "kembed-burst-reader")) {
                out.subscribe(List.of("burst-out"));
                long deadline = t0 + Duration.ofMinutes(timeoutMinutes).toNanos();
                long nextSample = 0;
                while (seen.size() < documents && System.nanoTime() < deadline && child.isAlive()) {
                    for (ConsumerRecord<String, byte[]> r : out.poll(Duration.ofMillis(200))) {
                        seen.merge(r.key(), 1, Integer::sum);
                        records++;
                    }
                    if (System.nanoTime() >= nextSample) {
                        nextSample = System.nanoTime() + 1_000_000_000L;
                        peakRss = Math.max(peakRss, rssKb(child.pid()));
                        String metrics = scrape(port);
                        peakHeap = Math.max(peakHeap, sum(metrics, "jvm_memory_used_bytes\\{area=\"heap\"[^}]*\\}"));
                        peakQueued = Math.max(peakQueued, sum(metrics, "kembed_queue_windows(?:\\{[^}]*\\})?"));
                    }
                }
                // a little longer: a duplicate would arrive now
                long settle = System.nanoTime() + 3_000_000_000L;
                while (System.nanoTime() < settle) {
                    for (ConsumerRecord<String, byte[]> r : out.poll(Duration.ofMillis(200))) {
                        seen.merge(r.key(), 1, Integer::sum);
                        records++;
                    }
                }
            } finally {
                child.destroy();
                child.waitFor();
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            long doubled = seen.values().stream().filter(c -> c > 1).count();
            System.out.printf("documents out %d of %d (lost %d, doubled %d, output records %d) in %.0f s, %.2f docs/s%n", seen.size(), documents,
                    documents - seen.size(), doubled, records, secs, seen.size() / secs);
            System.out.printf("peak RSS %.0f MB, peak heap used %.0f MB (-Xmx%s), peak windows queued %.0f%n", peakRss / 1024.0, peakHeap / 1048576,
                    heap, peakQueued);
            return seen.size() == documents && doubled == 0 ? 0 : 1;
        }
    }

    private static Properties bootstrap(EmbeddedKafkaBroker broker) {
        Properties p = new Properties();
        p.put("bootstrap.servers", broker.bootstrapServers());
        return p;
    }

    private long produce(String bootstrap, String[] vocabulary) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, "4194304");
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "zstd");
        SplittableRandom rnd = new SplittableRandom(11);
        long chars = 0;
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            for (int d = 0; d < documents; d++) {
                StringBuilder text = new StringBuilder(words * 7);
                for (int w = 0; w < words; w++) {
                    text.append(vocabulary[rnd.nextInt(vocabulary.length)]).append(w % 17 == 16 ? ". " : " ");
                }
                String json = "{\"text\": " + com.fasterxml.jackson.databind.node.TextNode.valueOf(text.toString()) + "}";
                chars += text.length();
                producer.send(new ProducerRecord<>("burst-in", "doc-" + d, json));
            }
        }
        return chars;
    }

    private Process startChild(Path dir, String bootstrap, int port) throws IOException {
        Properties c = new Properties();
        c.put("bootstrap.servers", bootstrap);
        c.put("application.id", "kembed-burst");
        c.put("kembed.model.dir", model.toAbsolutePath().toString());
        c.put("kembed.input.topic", "burst-in");
        c.put("kembed.output.topic", "burst-out");
        c.put("kembed.metrics.port", Integer.toString(port));
        c.put("kembed.schema.registry.url", "mock://burst");
        c.put("kembed.topics.create", "false");
        Path cfg = dir.resolve("burst.properties");
        try (Writer w = Files.newBufferedWriter(cfg)) {
            c.store(w, "kembed bench burst");
        }
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx" + heap,
                "-cp", System.getProperty("java.class.path"), "-Dai.djl.offline=true", "-Dai.djl.default_engine=OnnxRuntime",
                "dev.kembed.cli.KembedCli", "run", "--config", cfg.toString(), "--data-dir", dir.resolve("kembed").toString()));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("kembed.log").toFile()).start();
    }

    /** VmRSS of a process in kB (Linux), 0 where /proc is not there. */
    private static long rssKb(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            // the process is gone or this is not Linux
        }
        return 0;
    }

    private static String scrape(int port) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/metrics")).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    private static double sum(String metrics, String series) {
        Matcher m = Pattern.compile("(?m)^" + series + " ([0-9.eE+-]+)$").matcher(metrics);
        double total = 0;
        while (m.find()) {
            total += Double.parseDouble(m.group(1));
        }
        return total;
    }
}
