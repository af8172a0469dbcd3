package dev.kembed.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kembed.app.KembedApp;
import dev.kembed.app.KembedConfig;
import dev.kembed.testing.BrokerTestBase;
import dev.kembed.testing.IntegrationTest;
import dev.kembed.testing.SlowClients;
import dev.kembed.testing.TestSupport;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * Issue 27 on {@code kembed run}, where probes and the scraper have a port of their own
 * ({@code kembed.metrics.port}, its own threads) and {@code /metrics} is behind the key: with 200
 * slow connections on the query port, health and the scrape answer within a second on both ports.
 */
@IntegrationTest
class MetricsPortUnderAttackIntegrationTest extends BrokerTestBase {
    static final String KEY = "metrics-and-query-key";

    @Test
    void probesAndTheScrapeAnswerOnBothPortsWhile200SlowConnectionsHoldTheQueryPort() throws Exception {
        String name = "attack";
        kafka.createTopic(name + "-in", 1);
        int metricsPort = TestSupport.freePort();
        int httpPort = TestSupport.freePort();
        Properties p = TestSupport.kembedConfig(name, kafka.bootstrap(), model, metricsPort);
        p.put("kembed.http.port", Integer.toString(httpPort));
        p.put("kembed.http.api.key", KEY);
        p.put("kembed.http.metrics.auth", "true");
        p.put("kembed.http.max.concurrent.requests", "4");
        p.put("kembed.http.body.min.bytes.per.second", "0"); // slow bodies may stay: the worst case for threads
        p.put("kembed.http.body.timeout.ms", "600000");
        try (KembedApp app = KembedApp.start(KembedConfig.from(p, Map.of()), tmp.resolve(name))) {
            String ops = "http://localhost:" + metricsPort;
            String api = "http://localhost:" + httpPort;
            TestSupport.await("readiness", Duration.ofSeconds(60), () -> HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create(ops + "/health/ready")).build(), HttpResponse.BodyHandlers.ofString()).statusCode(),
                    s -> s == 200);
            HttpResponse<String> unkeyed = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(ops + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(unkeyed.statusCode()).as("/metrics behind the key on the metrics port too").isEqualTo(401);
            try (SlowClients slow = new SlowClients(httpPort, QueryApiUnderAttackIntegrationTest.SLOW_CONNECTIONS, KEY)) {
                Thread.sleep(3000);
                long opsWorst = QueryApiUnderAttackIntegrationTest.worstMillis(ops, null, "/health/live", "/health/ready");
                long scrapeWorst = QueryApiUnderAttackIntegrationTest.worstMillis(ops, KEY, "/metrics");
                long apiWorst = QueryApiUnderAttackIntegrationTest.worstMillis(api, KEY, "/health/live", "/metrics");
                HttpResponse<String> query = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(api + "/embed"))
                        .header("Authorization", "Bearer " + KEY).timeout(Duration.ofSeconds(30))
                        .POST(HttpRequest.BodyPublishers.ofString("{\"inputs\":\"still answered\"}")).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(query.statusCode()).as(query.body()).isEqualTo(200);
                int open = slow.stillOpen();
                assertThat(open).isGreaterThanOrEqualTo(QueryApiUnderAttackIntegrationTest.SLOW_CONNECTIONS - 5);
                System.out.printf("[issue 27] kembed run, %d slow connections on the query port (%d still open): metrics port health worst %d ms, "
                        + "scrape worst %d ms; query port health and scrape worst %d ms; a query 200%n",
                        QueryApiUnderAttackIntegrationTest.SLOW_CONNECTIONS, open, opsWorst, scrapeWorst, apiWorst);
            }
        }
    }
}
