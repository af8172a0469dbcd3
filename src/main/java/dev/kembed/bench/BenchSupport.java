package dev.kembed.bench;

import dev.kembed.app.KembedApp;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.KafkaStreams;

/** What several benches share: statistics, waiting for a started job, reading its committed output. */
final class BenchSupport {
    private BenchSupport() {}

    static double median(double[] xs) {
        double[] s = xs.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    /** The p-th percentile (0..100) by nearest rank. */
    static double percentile(double[] xs, double p) {
        if (xs.length == 0) {
            return Double.NaN;
        }
        double[] s = xs.clone();
        Arrays.sort(s);
        int rank = (int) Math.ceil(p / 100.0 * s.length);
        return s[Math.max(0, Math.min(s.length - 1, rank - 1))];
    }

    /** Words of the bundled tokenizer corpus, so generated documents look like text to the tokenizer. */
    static String[] vocabulary() throws java.io.IOException {
        try (java.io.InputStream in = BenchSupport.class.getResourceAsStream("/kembed/bpe-corpus.txt")) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).split("\\s+");
        }
    }

    /** JSON Lines documents ({"id", "text"}), for benches fed from a file. */
    static List<JsonNode> jsonLines(Path file) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            if (!line.isBlank()) {
                JsonNode d = json.readTree(line);
                if (!d.hasNonNull("id") || !d.path("text").isTextual()) {
                    throw new IOException(file + ": every line needs \"id\" and a string \"text\"; line " + (out.size() + 1) + " has not");
                }
                out.add(d);
            }
        }
        return out;
    }

    /** Printed with every benchmark: CPUs differ between machines of one kind (NOTES). */
    static void printCpu() {
        try {
            Process p = new ProcessBuilder("lscpu").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            p.waitFor();
            out.lines().filter(l -> l.startsWith("Model name") || l.startsWith("Flags") || l.startsWith("CPU(s)"))
                    .forEach(l -> System.out.println("# " + l.replaceAll("\\s+", " ")));
        } catch (java.io.IOException e) {
            System.out.println("# lscpu: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits (at most 60 s) until the app's Streams are RUNNING; the benches time from there. */
    static void awaitRunning(KembedApp app) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (app.streams().state() != KafkaStreams.State.RUNNING) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Kafka Streams not RUNNING after 60 s: " + app.streams().state());
            }
            Thread.sleep(50);
        }
    }

    /** A consumer of the output from the start, committed transactions only: what a downstream reader sees. */
    static KafkaConsumer<String, byte[]> committedReader(String bootstrap, String group) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
    }

    /** {@code words} words drawn from {@code vocabulary}, a sentence end every 17. */
    static String text(String[] vocabulary, java.util.SplittableRandom rnd, int words) {
        StringBuilder sb = new StringBuilder();
        for (int w = 0; w < words; w++) {
            sb.append(vocabulary[rnd.nextInt(vocabulary.length)]).append(w % 17 == 16 ? ".\n" : " ");
        }
        return sb.toString();
    }
}
