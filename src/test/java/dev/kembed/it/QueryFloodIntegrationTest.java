package dev.kembed.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kembed.app.KembedApp;
import dev.kembed.app.KembedConfig;
import dev.kembed.engine.queue.EngineWorkers;
import dev.kembed.engine.queue.WorkClass;
import dev.kembed.testing.BrokerTestBase;
import dev.kembed.testing.FaultEngineProvider;
import dev.kembed.testing.IntegrationTest;
import dev.kembed.testing.TestModels;
import dev.kembed.testing.TestSupport;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * Issue 27's attack on the query API, on a real broker: while a backlog of documents streams
 * through {@code kembed run}, eight clients loop 2 MB query bodies at {@code POST /embed} for
 * {@value #FLOOD_SECONDS} s, as fast as they are answered. An engine whose time grows with the
 * tokens it computes ({@code kembed.engine=fault}, {@code slow-per-token}) makes the engine the
 * bottleneck. Documents keep at least their share of the engine's seconds
 * ({@code kembed.queue.document.share}, 0.2, less a margin for the calls in flight at either end),
 * every query is answered 200 or 429 (429 with {@code Retry-After}), none waits as long as the
 * request timeout, and every document still comes out exactly once.
 */
@IntegrationTest
class QueryFloodIntegrationTest extends BrokerTestBase {
    static final ObjectMapper JSON = new ObjectMapper();
    static final int FLOOD_SECONDS = 20;
    static final int CLIENTS = 8;
    static final long TIMEOUT_MS = 30_000;

    @Test
    void documentsKeepTheirShareWhileEightClientsLoop2MbQueriesThatGet200Or429() throws Exception {
        String name = "flood";
        int docs = 60;
        kafka.createTopic(name + "-in", 2);
        int port = TestSupport.freePort();
        Properties p = TestSupport.kembedConfig(name, kafka.bootstrap(), model, 0);
        p.put("kembed.engine", FaultEngineProvider.NAME);
        p.put("kembed.batch.max.tokens", "1024"); // four 256-token windows a call, for documents and queries alike
        p.put("kembed.http.port", Integer.toString(port));
        p.put("kembed.http.max.body.bytes", Integer.toString(3 << 20));
        p.put("kembed.input.max.chars", Integer.toString(3 << 20));
        p.put("kembed.http.max.input.tokens", "1024"); // truncate: true keeps 1,024 tokens of each 2 MB input: one full batch
        p.put("kembed.http.request.timeout.ms", Long.toString(TIMEOUT_MS));
        FaultEngineProvider.reset();
        FaultEngineProvider.set("slow-per-token=100"); // 0.1 s per 1,024-token call on top of the real compute
        String big = TestModels.longText(350_000);
        while (big.getBytes(StandardCharsets.UTF_8).length > 2_000_000) {
            big = big.substring(0, big.length() - 1000);
        }
        byte[] body = JSON.writeValueAsBytes(Map.of("inputs", big, "truncate", true));
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
        AtomicInteger withoutRetryAfter = new AtomicInteger();
        AtomicLong slowest = new AtomicLong();
        List<Long> okMillis = Collections.synchronizedList(new ArrayList<>());
        List<String> unexpected = Collections.synchronizedList(new ArrayList<>());
        try (KembedApp app = KembedApp.start(KembedConfig.from(p, Map.of()), tmp.resolve(name))) {
            EngineWorkers workers = app.workers();
            List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
            for (int i = 0; i < docs; i++) {
                String json = JSON.writeValueAsString(Map.of("text", TestModels.longText(6000 + 10 * i)));
                records.add(new ProducerRecord<>(name + "-in", ("doc-" + i).getBytes(StandardCharsets.UTF_8), json.getBytes(StandardCharsets.UTF_8)));
            }
            kafka.send(name + "-in", records);
            TestSupport.await("a backlog of document windows", Duration.ofSeconds(60),
                    () -> workers.queued() + " queued, " + workers.enginePaddedTokens(WorkClass.DOCUMENT) + " document tokens computed",
                    s -> Integer.parseInt(s.substring(0, s.indexOf(' '))) >= 100);

            double docSeconds0 = workers.engineSeconds(WorkClass.DOCUMENT);
            double querySeconds0 = workers.engineSeconds(WorkClass.QUERY);
            long docTokens0 = workers.enginePaddedTokens(WorkClass.DOCUMENT);
            long queryTokens0 = workers.enginePaddedTokens(WorkClass.QUERY);
            long stopAt = System.nanoTime() + Duration.ofSeconds(FLOOD_SECONDS).toNanos();
            List<Thread> clients = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                Thread t = new Thread(() -> {
                    while (System.nanoTime() < stopAt) {
                        long t0 = System.nanoTime();
                        try {
                            HttpResponse<String> res = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/embed"))
                                    .header("Content-Type", "application/json").timeout(Duration.ofMillis(2 * TIMEOUT_MS))
                                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
                            long ms = (System.nanoTime() - t0) / 1_000_000;
                            slowest.accumulateAndGet(ms, Math::max);
                            statuses.computeIfAbsent(res.statusCode(), s -> new AtomicInteger()).incrementAndGet();
                            if (res.statusCode() == 200) {
                                okMillis.add(ms);
                            } else if (res.statusCode() == 429) {
                                if (res.headers().firstValue("Retry-After").isEmpty()) {
                                    withoutRetryAfter.incrementAndGet();
                                }
                            } else {
                                unexpected.add(res.statusCode() + " " + res.body());
                            }
                        } catch (Exception e) {
                            unexpected.add(e.toString());
                        }
                    }
                }, "flood-client-" + c);
                t.start();
                clients.add(t);
            }
            for (Thread t : clients) {
                t.join();
            }
            double docSeconds = workers.engineSeconds(WorkClass.DOCUMENT) - docSeconds0;
            double querySeconds = workers.engineSeconds(WorkClass.QUERY) - querySeconds0;
            long docTokens = workers.enginePaddedTokens(WorkClass.DOCUMENT) - docTokens0;
            long queryTokens = workers.enginePaddedTokens(WorkClass.QUERY) - queryTokens0;
            int backlogAfter = workers.queued();
            double secondsShare = docSeconds / (docSeconds + querySeconds);
            double tokenShare = docTokens / (double) (docTokens + queryTokens);
            List<Long> sorted = new ArrayList<>(okMillis);
            Collections.sort(sorted);
            System.out.printf("query flood: %d clients x %d s of %d-byte bodies; answers %s; 200 latency p50 %d ms, max %d ms; slowest answer %d ms%n",
                    CLIENTS, FLOOD_SECONDS, body.length, statuses, sorted.isEmpty() ? -1 : sorted.get(sorted.size() / 2),
                    sorted.isEmpty() ? -1 : sorted.get(sorted.size() - 1), slowest.get());
            System.out.printf("query flood: engine seconds documents %.2f / queries %.2f (document share %.3f); padded tokens documents %d / "
                    + "queries %d (document share %.3f); %d document windows still queued after the flood%n", docSeconds, querySeconds,
                    secondsShare, docTokens, queryTokens, tokenShare, backlogAfter);

            assertThat(unexpected).as("every query is answered 200 or 429").isEmpty();
            assertThat(statuses.keySet()).containsExactlyInAnyOrder(200, 429);
            assertThat(withoutRetryAfter.get()).as("every 429 says when to come back").isZero();
            assertThat(slowest.get()).as("no query waits as long as the request timeout").isLessThan(TIMEOUT_MS);
            assertThat(backlogAfter).as("documents were waiting all along (the share was contended)").isPositive();
            assertThat(querySeconds).as("queries were served").isPositive();
            assertThat(secondsShare).as("documents keep their share of the engine's seconds (0.2, less a margin)").isGreaterThanOrEqualTo(0.15);
            assertThat(tokenShare).as("and of its padded tokens").isGreaterThanOrEqualTo(0.15);

            List<ConsumerRecord<byte[], byte[]>> out = kafka.readCommitted(name + "-out", docs, Duration.ofSeconds(180));
            Set<String> keys = new HashSet<>();
            out.forEach(r -> keys.add(new String(r.key(), StandardCharsets.UTF_8)));
            assertThat(out).as("every document exactly once").hasSize(docs);
            assertThat(keys).hasSize(docs);
        } finally {
            FaultEngineProvider.reset();
        }
    }
}
