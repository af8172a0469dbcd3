package dev.kembed.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kembed.app.KembedApp;
import dev.kembed.app.KembedConfig;
import dev.kembed.embed.DirectEmbedder;
import dev.kembed.engine.EngineWindow;
import dev.kembed.testing.BrokerTestBase;
import dev.kembed.testing.FlakyEngineProvider;
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
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * {@code kembed run} with {@code kembed.http.port}: while a backlog of long documents is embedded
 * (fifo order, so the policy alone would put a query behind all of them), a query waits only for
 * the batch in flight: the engine is held inside one document batch, the query arrives, and the
 * very next engine call is the query's. Its vector equals the synchronous path's, and every
 * document still comes out exactly once.
 */
@IntegrationTest
class QueryLaneIntegrationTest extends BrokerTestBase {
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aQueryWaitsOnlyForTheBatchInFlightNeverForQueuedDocumentWindows() throws Exception {
        String name = "lane";
        int docs = 12;
        kafka.createTopic(name + "-in", 2);
        int port = TestSupport.freePort();
        Properties p = TestSupport.kembedConfig(name, kafka.bootstrap(), model, 0);
        p.put("kembed.engine", FlakyEngineProvider.NAME);
        p.put("kembed.queue.policy", "fifo");
        p.put("kembed.batch.max.tokens", "512"); // two 256-token windows per call
        p.put("kembed.http.port", Integer.toString(port));
        FlakyEngineProvider.reset();
        Semaphore gate = new Semaphore(0);
        HttpClient http = HttpClient.newHttpClient();
        String query = "where do the rivers of Zürich meet?";
        try (KembedApp app = KembedApp.start(KembedConfig.from(p, Map.of()), tmp.resolve(name))) {
            FlakyEngineProvider.gate = gate; // from here the first document batch stays in flight until the test opens the gate
            List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
            for (int i = 0; i < docs; i++) {
                String json = JSON.writeValueAsString(Map.of("text", TestModels.longText(1500 + 10 * i)));
                records.add(new ProducerRecord<>(name + "-in", ("doc-" + i).getBytes(StandardCharsets.UTF_8), json.getBytes(StandardCharsets.UTF_8)));
            }
            kafka.send(name + "-in", records);
            int queued = TestSupport.await("a backlog of document windows behind the batch in flight", Duration.ofSeconds(60),
                    () -> app.workers().queued(), n -> n >= 40);
            int started = FlakyEngineProvider.calls.size();
            CompletableFuture<HttpResponse<String>> answer = http.sendAsync(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/embed"))
                    .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(Map.of("inputs", query, "normalize", false)))).build(),
                    HttpResponse.BodyHandlers.ofString());
            TestSupport.await("the query in the priority lane", Duration.ofSeconds(30), () -> app.workers().queuedQueries(), n -> n == 1);
            assertThat(FlakyEngineProvider.calls).as("no call started while the query waited").hasSize(started);
            FlakyEngineProvider.gate = null;
            gate.release(1_000_000);
            HttpResponse<String> res = answer.get();
            assertThat(res.statusCode()).as(res.body()).isEqualTo(200);

            int[] queryIds;
            float[] want;
            try (var m = TestModels.open(model, false)) {
                var plan = m.plan(KembedConfig.from(p, Map.of()).embeddingSettings(), dev.kembed.text.WindowPlan.SettingNames.CONFIG);
                queryIds = plan.engineWindow(plan.cut(query).windows().get(0)).inputIds();
                want = new DirectEmbedder(plan, m.engine(), 4096).embed(query).vector();
            }
            List<EngineWindow> next = FlakyEngineProvider.calls.get(started);
            assertThat(next).as("the first engine call after the batch in flight (with %d document windows queued) is the query's", queued)
                    .anySatisfy(w -> assertThat(w.inputIds()).containsExactly(queryIds));
            JsonNode got = JSON.readTree(res.body()).get(0);
            double diff = 0;
            for (int i = 0; i < want.length; i++) {
                diff = Math.max(diff, Math.abs(got.get(i).floatValue() - want[i]));
            }
            assertThat(diff).as("the query's vector vs the synchronous path").isLessThanOrEqualTo(1e-6);

            List<ConsumerRecord<byte[], byte[]>> out = kafka.readCommitted(name + "-out", docs, Duration.ofSeconds(120));
            Set<String> keys = new HashSet<>();
            out.forEach(r -> keys.add(new String(r.key(), StandardCharsets.UTF_8)));
            assertThat(out).as("every document exactly once").hasSize(docs);
            assertThat(keys).hasSize(docs);
            System.out.printf("query lane: %d document windows queued, query answered by engine call %d of %d%n", queued, started + 1,
                    FlakyEngineProvider.calls.size());
        } finally {
            FlakyEngineProvider.reset();
        }
    }
}
