package dev.kembed.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A real schema registry for the integration tests: Apicurio Registry 2.4.2 (its Confluent-compatible
 * API), built by {@code mvn verify} from test-support/apicurio and run as a child process on a fixed
 * port, so a test can stop it (the process destroyed) and start it again where clients look for it.
 * Its storage is in memory: a restarted registry has forgotten every schema.
 */
public final class ApicurioRegistry implements AutoCloseable {
    public static final Path RUNNER = Path.of("test-support/apicurio/target/apicurio-registry-1-runner.jar");
    static final HttpClient HTTP = HttpClient.newHttpClient();

    private final int port;
    private final Path logDir;
    private Process process;
    private int starts;

    private ApicurioRegistry(int port, Path logDir) {
        this.port = port;
        this.logDir = logDir;
    }

    /** Started on a free port and answering; its log goes to {@code logDir}. */
    public static ApicurioRegistry start(Path logDir) throws Exception {
        assertThat(RUNNER).as("built by mvn verify (maven-invoker-plugin, test-support/apicurio)").exists();
        ApicurioRegistry r = new ApicurioRegistry(TestSupport.freePort(), logDir);
        r.start();
        return r;
    }

    /** The Confluent-compatible base URL (kembed.schema.registry.url). */
    public String url() {
        return "http://127.0.0.1:" + port + "/apis/ccompat/v7";
    }

    /** Starts the process (again, on the same port) and waits until it answers. */
    public synchronized void start() throws Exception {
        if (process != null && process.isAlive()) {
            return;
        }
        Path log = logDir.resolve("apicurio-" + (++starts) + ".log");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-Dquarkus.http.port=" + port, "-Dquarkus.http.host=127.0.0.1", "-jar", RUNNER.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        process = p;
        TestSupport.await("Apicurio answering on " + url(), Duration.ofSeconds(90), () -> {
            if (!p.isAlive()) {
                throw new AssertionError("Apicurio exited: " + (Files.exists(log) ? Files.readString(log) : ""));
            }
            return HTTP.send(HttpRequest.newBuilder(URI.create(url() + "/subjects")).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
        }, status -> status == 200);
    }

    /** Stops the process (SIGTERM, then waits): from now on connections are refused. */
    public synchronized void stop() throws InterruptedException {
        if (process != null) {
            process.destroy();
            process.waitFor();
            process = null;
        }
    }

    /** GET {@code path} under {@link #url()}: status and body. */
    public HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url() + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
