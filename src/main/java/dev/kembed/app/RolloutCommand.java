package dev.kembed.app;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.streams.StreamsConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code kembed rollout status}: where a rollout stands, read from the cluster (the ledger and the two applications' offsets). */
@Command(name = "rollout", mixinStandardHelpOptions = true, description = "In-stream model rollout (README \"Changing the model\").",
        subcommands = RolloutCommand.Status.class)
public final class RolloutCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "Print the rollout's documents remaining and whether it is ready to cut over. Exit code: 0 ready, 1 not ready, "
                    + "2 no rollout in progress.")
    static final class Status implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--config", required = true, description = "The properties file kembed run uses (bootstrap.servers, application.id, topics).")
        Path config;

        @Override
        public Integer call() {
            KembedConfig cfg = KembedConfig.load(config, System.getenv());
            Properties kafka = cfg.kafka();
            if (!kafka.containsKey(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG)) {
                throw new IllegalArgumentException("kembed rollout status reads the cluster: set bootstrap.servers in " + config
                        + " (the embedded broker of a kembed run without it cannot be reached from outside)");
            }
            String baseId = KembedApp.streamsProps(kafka, Path.of(".")).getProperty(StreamsConfig.APPLICATION_ID_CONFIG);
            Properties clients = KembedApp.clientProps(kafka);
            PrintWriter out = spec.commandLine().getOut();
            ApplicationLedger.State state;
            try (ApplicationLedger ledger = new ApplicationLedger(clients, baseId)) {
                state = ledger.read();
            }
            ApplicationLedger.Pipeline live = state.live();
            if (live != null) {
                out.printf("live: %s (model %s into %s) since %s%n", live.applicationId(), live.model(), live.outputTopic(),
                        Instant.ofEpochMilli(live.since()));
            }
            ApplicationLedger.Pipeline rollout = state.rollout();
            if (rollout == null) {
                out.println("no rollout in progress");
                out.flush();
                return 2;
            }
            out.printf("rollout: %s (model %s into %s%s) since %s%n", rollout.applicationId(), rollout.model(), rollout.outputTopic(),
                    rollout.chunksTopic().isEmpty() ? "" : " and " + rollout.chunksTopic(), Instant.ofEpochMilli(rollout.since()));
            ApplicationState.Standing now;
            try (ApplicationState admin = new ApplicationState(clients)) {
                now = admin.standing(live == null ? baseId : live.applicationId(), rollout.applicationId(), cfg.inputTopic());
            }
            long behind = now.behind();
            out.printf("input records behind the live pipeline (committed offsets now): %d%n", behind);
            ApplicationLedger.Progress p = state.progress();
            if (p == null) {
                out.println("documents_remaining unknown (no report from the running process yet)");
                out.println("ready 0");
                out.flush();
                return 1;
            }
            long age = Math.max(0, System.currentTimeMillis() - p.at());
            // a report measured against an earlier live position says nothing of the documents the live pipeline took since
            boolean current = p.livePosition() == now.livePosition() && behind == 0;
            boolean ready = p.ready() && current;
            out.printf("documents_remaining %d%n", current ? p.remaining() : Math.max(behind, p.remaining()));
            out.printf("ready %d%n", ready ? 1 : 0);
            out.printf("reported by the running process %d s ago%s%n", age / 1000,
                    current ? "" : " (before the live pipeline's latest input: measured again every " + RolloutProgress.PERIOD_MS / 1000 + " s)");
            out.flush();
            return ready ? 0 : 1;
        }
    }
}
