package dev.kembed.testing;

import java.io.IOException;
import java.io.Writer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code kembed run} in a child JVM, so tests can kill it with SIGKILL like a crashed pod. */
public final class ChildKembed implements AutoCloseable {
    private final Process process;
    private final Path log;
    private final int metricsPort;

    private ChildKembed(Process process, Path log, int metricsPort) {
        this.process = process;
        this.log = log;
        this.metricsPort = metricsPort;
    }

    public static ChildKembed start(Properties config, Path dir, String name) throws IOException {
        return start(config, dir, name, java.util.Map.of());
    }

    /** @param env extra environment of the child (e.g. {@link FaultEngineProvider#ENV}) */
    public static ChildKembed start(Properties config, Path dir, String name, java.util.Map<String, String> env) throws IOException {
        Files.createDirectories(dir);
        Path cfg = dir.resolve(name + ".properties");
        try (Writer w = Files.newBufferedWriter(cfg)) {
            config.store(w, "child kembed " + name);
        }
        Path log = dir.resolve(name + "-" + System.nanoTime() + ".log");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-cp", System.getProperty("java.class.path"),
                "-Dai.djl.offline=true", "-Dai.djl.default_engine=OnnxRuntime",
                "dev.kembed.cli.KembedCli", "run", "--config", cfg.toString(), "--data-dir", dir.resolve(name + "-data").toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("DJL_OFFLINE", "true");
        pb.environment().put("RUST_FLAVOR", "cpu");
        pb.environment().putAll(env);
        int port = Integer.parseInt(config.getProperty("kembed.metrics.port", "0"));
        return new ChildKembed(pb.start(), log, port);
    }

    /** SIGKILL: no shutdown hook, no clean close, open transactions left behind. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    public boolean alive() {
        return process.isAlive();
    }

    /** Waits at most {@code timeout} for the child to exit on its own; its exit code, or null if it still runs. */
    public Integer awaitExit(java.time.Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS) ? process.exitValue() : null;
    }

    /** The child's whole log (stdout and stderr). */
    public String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    public String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** kembed_documents_out_total from the child's /metrics, or -1 while it is not serving. */
    public double documentsOut() {
        return metric("kembed_documents_out_total");
    }

    /** The first sample of {@code name} (any labels) on the child's /metrics: 0 when absent, -1 while it is not serving. */
    public double metric(String name) {
        try {
            HttpResponse<String> r = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create("http://localhost:" + metricsPort + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
            Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(?:\\{[^}]*\\})? ([0-9.eE+]+)").matcher(r.body());
            return m.find() ? Double.parseDouble(m.group(1)) : 0;
        } catch (IOException | InterruptedException e) {
            return -1;
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }
}
