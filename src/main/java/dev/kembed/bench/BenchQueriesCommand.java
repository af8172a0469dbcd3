package dev.kembed.bench;

import dev.kembed.app.KembedConfig;
import dev.kembed.app.QueryServer;
import dev.kembed.app.config.EngineConfig;
import dev.kembed.app.config.HttpConfig;
import dev.kembed.engine.queue.EngineWorkers;
import dev.kembed.http.HttpSettings;
import dev.kembed.engine.queue.WorkClass;
import dev.kembed.engine.queue.TaskHandle;
import dev.kembed.engine.queue.WaitBudget;
import dev.kembed.engine.queue.WindowJob;
import dev.kembed.text.TextWindow;
import dev.kembed.text.WindowPlan;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Query latency through {@code kembed serve}'s routes, in one run: on an idle engine, then while
 * document ingest keeps the same engine queue full (long documents' windows offered as the
 * stream would, through the document lane), then requests/s of short queries from concurrent
 * clients. Queries go through real HTTP to {@code POST /embed}.
 */
@Command(name = "queries", mixinStandardHelpOptions = true,
        description = {"Query latency p50/p99 over HTTP on an idle engine and while ingest saturates it (same run), requests/s of",
                "short queries from concurrent clients, and a query flood while documents stream (their share of engine time)."})
final class BenchQueriesCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "Checkpoint directory.")
    Path model;

    @Option(names = "--queries", defaultValue = "200", description = "Queries per latency phase. Default: ${DEFAULT-VALUE}")
    int queries;

    @Option(names = "--seconds", defaultValue = "20", description = "Length of the requests/s phase. Default: ${DEFAULT-VALUE}")
    int seconds;

    @Option(names = "--clients", defaultValue = "8", description = "Concurrent clients in the requests/s phase. Default: ${DEFAULT-VALUE}")
    int clients;

    @Option(names = "--ingest-words", defaultValue = "20000", description = "Words per ingested document in the saturated phase. Default: ${DEFAULT-VALUE}")
    int ingestWords;

    @Option(names = "--flood-bytes", defaultValue = "2000000",
            description = "Body size of each query in the query-flood phase (sent with truncate: true). Default: ${DEFAULT-VALUE}")
    int floodBytes;

    @Option(names = "--threads", defaultValue = "0", description = "Intra-op threads per engine call (0 = all cores). Default: ${DEFAULT-VALUE}")
    int threads;

    @Override
    public Integer call() throws Exception {
        BenchSupport.printCpu();
        Properties p = new Properties();
        p.put(EngineConfig.MODEL_DIR, model.toString());
        p.put(EngineConfig.MODEL_THREADS, Integer.toString(threads));
        p.put(HttpConfig.HTTP_MAX_CONCURRENT, Integer.toString(Math.max(64, clients * 2)));
        p.put(HttpConfig.HTTP_MAX_BODY_BYTES, Integer.toString(Math.max(HttpSettings.DEFAULT_MAX_BODY_BYTES, floodBytes + 4096)));
        String[] vocab = BenchSupport.vocabulary();
        Path data = Files.createTempDirectory("kembed-bench-queries");
        try (QueryServer server = QueryServer.start(KembedConfig.from(p, Map.of()), data, 0)) {
            String url = "http://localhost:" + server.port() + "/embed";
            HttpClient http = HttpClient.newHttpClient();
            Random rnd = new Random(7);
            System.out.printf("# kembed bench queries  model=%s  window=%d tokens  queries=%d per phase  clients=%d%n", model,
                    server.plan().maxTokens(), queries, clients);
            for (int i = 0; i < 5; i++) {
                send(http, url, query(vocab, rnd)); // warm-up
            }
            double[] idle = latencies(http, url, vocab, rnd);
            Ingest ingest = new Ingest(server.workers(), server.plan(), text(vocab, rnd, ingestWords));
            Thread feeder = new Thread(ingest, "bench-ingest");
            feeder.start();
            while (server.workers().queued() == 0) {
                Thread.sleep(10); // the feeder's first windows
            }
            double[] busy = latencies(http, url, vocab, rnd);
            ingest.stop.set(true);
            feeder.join();
            System.out.printf("%-40s %8s %8s %8s %8s%n", "phase", "p50_ms", "p99_ms", "max_ms", "queries");
            row("idle engine", idle);
            row("ingest saturating the engine", busy);
            System.out.printf("ingest during the saturated phase: %d document windows embedded, %d still queued at its end%n", ingest.done.get(),
                    ingest.queuedAtEnd);
            double rps = throughput(http, url, vocab);
            System.out.printf("short queries, %d clients, %d s, idle engine: %.1f requests/s%n", clients, seconds, rps);
            queryFlood(server, http, url, vocab, rnd);
        }
        return 0;
    }

    /**
     * Documents streaming while {@code clients} clients loop large queries ({@code --flood-bytes},
     * truncated to one window) for {@code --seconds}: what the flood's queries get (200 or 429, and
     * how long), what one short query at a time gets meanwhile, and the documents' share of the
     * engine's time (the workers' own measure, kembed_engine_seconds_total{class}).
     */
    private void queryFlood(QueryServer server, HttpClient http, String url, String[] vocab, Random rnd) throws Exception {
        EngineWorkers workers = server.workers();
        Ingest ingest = new Ingest(workers, server.plan(), text(vocab, rnd, ingestWords));
        Thread feeder = new Thread(ingest, "bench-ingest");
        feeder.start();
        while (workers.queued() == 0) {
            Thread.sleep(10);
        }
        StringBuilder big = new StringBuilder();
        while (big.length() < floodBytes - 64) {
            big.append(vocab[rnd.nextInt(vocab.length)]).append(' ');
        }
        String floodBody = "{\"inputs\":" + com.fasterxml.jackson.databind.node.TextNode.valueOf(big.toString().trim()) + ",\"truncate\":true}";
        double docs0 = workers.engineSeconds(WorkClass.DOCUMENT);
        double queries0 = workers.engineSeconds(WorkClass.QUERY);
        long windows0 = ingest.done.get();
        List<Double> ok = java.util.Collections.synchronizedList(new ArrayList<>());
        AtomicLong refused = new AtomicLong();
        AtomicLong other = new AtomicLong();
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        List<Thread> ts = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            Thread t = new Thread(() -> {
                while (System.nanoTime() < end) {
                    long t0 = System.nanoTime();
                    int status = status(http, url, floodBody);
                    if (status == 200) {
                        ok.add((System.nanoTime() - t0) / 1e6);
                    } else if (status == 429) {
                        refused.incrementAndGet();
                        sleepQuietly(100); // Retry-After says 1 s; a flood client retries sooner
                    } else {
                        other.incrementAndGet();
                    }
                }
            }, "bench-flood-" + c);
            t.start();
            ts.add(t);
        }
        List<Double> probe = new ArrayList<>();
        long probeRefused = 0;
        while (System.nanoTime() < end) {
            long t0 = System.nanoTime();
            String body = "{\"inputs\":" + com.fasterxml.jackson.databind.node.TextNode.valueOf(query(vocab, rnd)) + "}";
            int status = status(http, url, body);
            if (status == 200) {
                probe.add((System.nanoTime() - t0) / 1e6);
            } else {
                probeRefused++;
                sleepQuietly(100);
            }
        }
        for (Thread t : ts) {
            t.join();
        }
        double docs = workers.engineSeconds(WorkClass.DOCUMENT) - docs0;
        double queriesS = workers.engineSeconds(WorkClass.QUERY) - queries0;
        long windows = ingest.done.get() - windows0;
        ingest.stop.set(true);
        feeder.join();
        System.out.printf("query flood: %d clients looping %d-byte queries (truncate) for %d s while documents stream%n", clients, floodBytes,
                seconds);
        row("flood queries answered 200", ok.stream().mapToDouble(Double::doubleValue).toArray());
        row("one short query at a time, during it", probe.stream().mapToDouble(Double::doubleValue).toArray());
        System.out.printf("flood queries: %d answered, %d refused 429, %d other; short queries refused: %d%n", ok.size(), refused.get(),
                other.get(), probeRefused);
        System.out.printf("engine time during the flood: documents %.1f s, queries %.1f s: documents' share %.3f (kembed.queue.document.share "
                + "guarantees 0.2 of padded tokens); %d document windows embedded%n", docs, queriesS, docs / Math.max(1e-9, docs + queriesS),
                windows);
    }

    private static int status(HttpClient http, String url, String body) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (java.io.IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The documents' side: keeps the document queue fed with a long document's windows, as the stream would. */
    private static final class Ingest implements Runnable {
        final EngineWorkers workers;
        final List<TextWindow> windows;
        final WindowPlan plan;
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicLong done = new AtomicLong();
        volatile int queuedAtEnd;

        Ingest(EngineWorkers workers, WindowPlan plan, String text) {
            this.workers = workers;
            this.plan = plan;
            this.windows = plan.cut(text).windows();
        }

        @Override
        public void run() {
            TaskHandle task = workers.register("bench-ingest");
            long doc = 0;
            int next = 0;
            while (!stop.get()) {
                if (workers.offer(task, new WindowJob("doc-" + doc, doc, next, plan.engineWindow(windows.get(next)), 0), WaitBudget.ofNanos(50_000_000))) {
                    next++;
                    if (next == windows.size()) {
                        next = 0;
                        doc++;
                    }
                }
                done.addAndGet(workers.drain(task).size());
            }
            queuedAtEnd = workers.queued();
            workers.abandon(task);
        }
    }

    private double[] latencies(HttpClient http, String url, String[] vocab, Random rnd) throws Exception {
        double[] ms = new double[queries];
        for (int i = 0; i < queries; i++) {
            String q = query(vocab, rnd);
            long t0 = System.nanoTime();
            send(http, url, q);
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        return ms;
    }

    private double throughput(HttpClient http, String url, String[] vocab) throws Exception {
        AtomicLong answered = new AtomicLong();
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        List<Thread> ts = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int c = 0; c < clients; c++) {
            Random rnd = new Random(100 + c);
            Thread t = new Thread(() -> {
                try {
                    while (System.nanoTime() < end) {
                        send(http, url, query(vocab, rnd));
                        answered.incrementAndGet();
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            t.start();
            ts.add(t);
        }
        for (Thread t : ts) {
            t.join();
        }
        return answered.get() / ((System.nanoTime() - t0) / 1e9);
    }

    private static void send(HttpClient http, String url, String text) throws Exception {
        String body = "{\"inputs\":" + com.fasterxml.jackson.databind.node.TextNode.valueOf(text) + "}";
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("query answered " + r.statusCode() + ": " + r.body());
        }
    }

    /** A short search query: 4 to 12 words. */
    private static String query(String[] vocab, Random rnd) {
        return text(vocab, rnd, 4 + rnd.nextInt(9));
    }

    private static String text(String[] vocab, Random rnd, int words) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < words; i++) {
            sb.append(i == 0 ? "" : " ").append(vocab[rnd.nextInt(vocab.length)]);
        }
        return sb.toString();
    }

    private static void row(String phase, double[] ms) {
        double max = 0;
        for (double m : ms) {
            max = Math.max(max, m);
        }
        System.out.printf("%-40s %8.1f %8.1f %8.1f %8d%n", phase, BenchSupport.percentile(ms, 50), BenchSupport.percentile(ms, 99), max, ms.length);
    }
}
