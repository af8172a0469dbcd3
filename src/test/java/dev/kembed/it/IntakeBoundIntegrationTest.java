package dev.kembed.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kembed.app.KembedApp;
import dev.kembed.app.KembedConfig;
import dev.kembed.stream.IntakeBound;
import dev.kembed.testing.BrokerTestBase;
import dev.kembed.testing.FaultEngineProvider;
import dev.kembed.testing.IntegrationTest;
import dev.kembed.testing.JsonDocuments;
import dev.kembed.testing.Paragraphs;
import dev.kembed.testing.TestSupport;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Bounded intake on a real broker: an engine about ten times slower than the input (the test-only
 * {@code fault} engine, {@code slow=}) and a burst of documents whose tokens are ten times the
 * bound. kembed stops fetching at the bound: the consumer group's lag shows the backlog, the
 * tokens in flight (what the state directory holds) stay within the bound plus one poll, the
 * state directory stays small, {@code /health} says so, and in the end every document comes out
 * exactly once.
 */
@IntegrationTest
class IntakeBoundIntegrationTest extends BrokerTestBase {
    static final long BOUND = 1_500;
    static final int POLL_RECORDS = 5;
    static final int DOCS = 60;

    @AfterEach
    void clearFault() {
        FaultEngineProvider.reset();
    }

    @Test
    void pastTheBoundTheBacklogStaysInTheTopicAndEveryDocumentComesOutOnce() throws Exception {
        String name = "intake";
        int port = TestSupport.freePort();
        Properties p = minimalConfig("intake", name);
        p.put("kembed.engine", FaultEngineProvider.NAME);
        p.put("kembed.window.max.tokens", "128");
        p.put("kembed.batch.max.tokens", "256"); // two windows per engine call
        p.put("kembed.intake.max.tokens", Long.toString(BOUND));
        p.put("max.poll.records", Integer.toString(POLL_RECORDS));
        p.put("kembed.metrics.port", Integer.toString(port));
        FaultEngineProvider.set("slow=300");

        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        List<String> docTexts = new ArrayList<>();
        List<String> texts = Paragraphs.of(DOCS, 25);
        for (int i = 0; i < DOCS; i++) {
            // three paragraphs each: a few hundred tokens, the whole burst ten times the bound or more
            String text = texts.get(i) + "\n\n" + texts.get((i + 1) % DOCS) + "\n\n" + texts.get((i + 2) % DOCS);
            records.add(JsonDocuments.document(name + "-in", "doc-" + i, text));
            docTexts.add(text);
        }
        Path dataDir = tmp.resolve(name);
        try (KembedApp app = KembedApp.start(KembedConfig.from(p, Map.of()), dataDir);
                Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrap()))) {
            IntakeBound intake = app.pipeline().intake();
            kafka.send(name + "-in", records);

            AtomicLong maxTokens = new AtomicLong();
            AtomicLong maxLagWhilePaused = new AtomicLong();
            AtomicLong maxStateBytes = new AtomicLong();
            AtomicBoolean healthSaidPaused = new AtomicBoolean();
            AtomicBoolean stop = new AtomicBoolean();
            Thread sampler = new Thread(() -> {
                while (!stop.get()) {
                    maxTokens.accumulateAndGet(intake.tokens(), Math::max);
                    maxStateBytes.accumulateAndGet(sizeOf(dataDir.resolve("state")), Math::max);
                    if (intake.paused()) {
                        maxLagWhilePaused.accumulateAndGet(lag(admin, "kembed-intake-" + name, name + "-in"), Math::max);
                        healthSaidPaused.compareAndSet(false, health(port).contains("intake: paused"));
                    }
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            sampler.start();
            List<ConsumerRecord<byte[], byte[]>> out;
            try {
                out = kafka.readCommitted(name + "-out", DOCS, Duration.ofMinutes(4));
            } finally {
                stop.set(true);
                sampler.join();
            }

            long sentTokens = docTexts.stream().mapToLong(t -> app.model().tokenizer().tokenize(t).size()).sum();
            assertThat(sentTokens).as("the burst is several times the bound").isGreaterThanOrEqualTo(5 * BOUND);
            long perDocument = docTexts.stream().mapToLong(t -> app.model().tokenizer().tokenize(t).size() + 2).max().orElseThrow();
            System.out.printf("intake: %d documents, %d tokens sent; bound %d; max in flight %d (one poll: %d x %d); max lag while paused %d;"
                    + " max state dir %d bytes; pauses %d%n", DOCS, sentTokens, BOUND, maxTokens.get(), POLL_RECORDS, perDocument,
                    maxLagWhilePaused.get(), maxStateBytes.get(), intake.pauses());
            assertThat(intake.pauses()).as("fetching paused at the bound").isGreaterThanOrEqualTo(1);
            assertThat(maxLagWhilePaused.get()).as("while paused, the backlog shows as consumer lag").isGreaterThan(POLL_RECORDS);
            assertThat(healthSaidPaused.get()).as("/health says intake is paused").isTrue();
            assertThat(maxTokens.get()).as("tokens in flight stay within the bound and one poll (%d records of up to %d tokens)",
                    POLL_RECORDS, perDocument).isLessThanOrEqualTo(BOUND + POLL_RECORDS * perDocument);
            assertThat(maxStateBytes.get()).as("the state directory stays small").isLessThan(8L << 20);
            Set<String> keys = out.stream().map(r -> new String(r.key(), StandardCharsets.UTF_8)).collect(Collectors.toSet());
            assertThat(out).as("every document exactly once").hasSize(DOCS);
            assertThat(keys).hasSize(DOCS);
            assertThat(intake.tokens()).as("nothing left in flight").isZero();
            assertThat(lag(admin, "kembed-intake-" + name, name + "-in")).as("all input consumed").isZero();
        }
    }

    /** The group's committed lag on the topic: end offsets minus committed offsets, all partitions. */
    static long lag(Admin admin, String group, String topic) {
        try {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
            Set<TopicPartition> partitions = new HashSet<>();
            admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions()
                    .forEach(i -> partitions.add(new TopicPartition(topic, i.partition())));
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(
                    partitions.stream().collect(Collectors.toMap(t -> t, t -> OffsetSpec.latest()))).all().get();
            long lag = 0;
            for (TopicPartition t : partitions) {
                OffsetAndMetadata c = committed.get(t);
                lag += ends.get(t).offset() - (c == null ? 0 : c.offset());
            }
            return lag;
        } catch (Exception e) {
            return 0;
        }
    }

    static String health(int port) {
        try {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/health")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException | InterruptedException e) {
            return "";
        }
    }

    static long sizeOf(Path dir) {
        if (!Files.exists(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(f -> {
                try {
                    return Files.size(f);
                } catch (IOException e) {
                    return 0; // RocksDB removed it meanwhile
                }
            }).sum();
        } catch (IOException | java.io.UncheckedIOException e) {
            return 0;
        }
    }
}
