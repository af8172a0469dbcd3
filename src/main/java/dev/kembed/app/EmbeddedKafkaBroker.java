package dev.kembed.app;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single-node KRaft broker in this JVM (broker + controller), for {@code kembed demo} and
 * {@code kembed run} without {@code bootstrap.servers}. Data lives in {@code dataDir/kafka}: it
 * survives restarts when the caller keeps the directory (the cluster is formatted only once).
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);

    private final KafkaRaftServer server;
    private final String bootstrap;

    private EmbeddedKafkaBroker(KafkaRaftServer server, String bootstrap) {
        this.server = server;
        this.bootstrap = bootstrap;
    }

    public static EmbeddedKafkaBroker start(Path dataDir) {
        try {
            Path logs = dataDir.resolve("kafka");
            Files.createDirectories(logs);
            Path portsFile = dataDir.resolve("kafka-ports.properties");
            Properties ports = new Properties();
            if (Files.exists(portsFile)) {
                try (var r = Files.newBufferedReader(portsFile)) {
                    ports.load(r);
                }
            }
            int broker = port(ports, "broker");
            int controller = port(ports, "controller");
            try (Writer w = Files.newBufferedWriter(portsFile)) {
                ports.store(w, "ports of the embedded broker (kept so restarts reuse them)");
            }
            Properties p = new Properties();
            p.put("process.roles", "broker,controller");
            p.put("node.id", "1");
            p.put("controller.quorum.voters", "1@localhost:" + controller);
            p.put("listeners", "PLAINTEXT://localhost:" + broker + ",CONTROLLER://localhost:" + controller);
            p.put("advertised.listeners", "PLAINTEXT://localhost:" + broker);
            p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
            p.put("controller.listener.names", "CONTROLLER");
            p.put("inter.broker.listener.name", "PLAINTEXT");
            p.put("log.dirs", logs.toAbsolutePath().toString());
            p.put("offsets.topic.replication.factor", "1");
            p.put("offsets.topic.num.partitions", "4");
            p.put("transaction.state.log.replication.factor", "1");
            p.put("transaction.state.log.min.isr", "1");
            p.put("transaction.state.log.num.partitions", "4");
            p.put("share.coordinator.state.topic.replication.factor", "1");
            p.put("share.coordinator.state.topic.min.isr", "1");
            p.put("group.initial.rebalance.delay.ms", "0");
            p.put("num.partitions", "4");
            p.put("auto.create.topics.enable", "false");
            // the default 128 MiB dedupe buffer would sit on this JVM's heap
            p.put("log.cleaner.dedupe.buffer.size", "2097152");
            Path props = dataDir.resolve("server.properties");
            try (Writer w = Files.newBufferedWriter(props)) {
                p.store(w, "embedded kembed broker");
            }
            if (!Files.exists(logs.resolve("meta.properties"))) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                int rc = kafka.tools.StorageTool.execute(new String[] {"format", "-t", Uuid.randomUuid().toString(), "-c",
                    props.toString()}, new PrintStream(out, true, StandardCharsets.UTF_8));
                if (rc != 0) {
                    throw new IllegalStateException("formatting the embedded broker's storage failed: " + out.toString(StandardCharsets.UTF_8));
                }
            }
            KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(p), Time.SYSTEM);
            server.startup();
            EmbeddedKafkaBroker b = new EmbeddedKafkaBroker(server, "localhost:" + broker);
            b.awaitReady(Duration.ofSeconds(60));
            LOG.info("embedded Kafka broker ready at {} (data in {})", b.bootstrap, logs);
            return b;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the embedded broker in " + dataDir + ": " + e.getMessage(), e);
        }
    }

    private static int port(Properties ports, String name) throws IOException {
        String v = ports.getProperty(name);
        if (v != null) {
            return Integer.parseInt(v);
        }
        try (ServerSocket s = new ServerSocket(0)) {
            ports.setProperty(name, Integer.toString(s.getLocalPort()));
            return s.getLocalPort();
        }
    }

    private void awaitReady(Duration timeout) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Admin admin = Admin.create(p)) {
            while (true) {
                try {
                    admin.describeCluster().nodes().get(5, TimeUnit.SECONDS);
                    return;
                } catch (Exception e) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("embedded broker did not become ready within " + timeout, e);
                    }
                }
            }
        }
    }

    public String bootstrapServers() {
        return bootstrap;
    }

    @Override
    public void close() {
        server.shutdown();
        server.awaitShutdown();
    }
}
