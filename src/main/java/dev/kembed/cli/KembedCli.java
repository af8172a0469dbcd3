package dev.kembed.cli;

import dev.kembed.app.DemoCommand;
import dev.kembed.app.EmbedCommand;
import dev.kembed.app.KembedConfig;
import dev.kembed.app.ModelCommand;
import dev.kembed.app.RolloutCommand;
import dev.kembed.app.RunCommand;
import dev.kembed.app.ServeCommand;
import dev.kembed.app.TokenizeCommand;
import dev.kembed.bench.BenchCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code kembed} command line: model tools, embedding, tokenizing and benchmarks. It sits above app and bench
 * so that registering the bench command does not make app depend on bench (bench builds on app).
 */
@Command(name = "kembed", mixinStandardHelpOptions = true, version = "kembed 0.1.0",
        description = "Kafka Streams processor that turns document events into Longformer embeddings.",
        subcommands = {RunCommand.class, ServeCommand.class, DemoCommand.class, ModelCommand.class, EmbedCommand.class, TokenizeCommand.class, RolloutCommand.class,
                BenchCommand.class})
public final class KembedCli implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.err);
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs a command line in this JVM and returns its exit code (what tests call). */
    public static int execute(String... args) {
        configureDjl();
        CommandLine cli = new CommandLine(new KembedCli());
        cli.getSubcommands().get("run").getCommandSpec().usageMessage().footer("%n" + KembedConfig.help().replace("%", "%%"));
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            commandLine.getErr().println("kembed: " + ex.getMessage());
            if (Boolean.getBoolean("kembed.debug")) {
                ex.printStackTrace(commandLine.getErr());
            }
            return 2;
        });
        return cli.execute(args);
    }

    /** Nothing may be downloaded: native libraries come from the jars on the classpath. */
    static void configureDjl() {
        System.setProperty("ai.djl.offline", System.getProperty("ai.djl.offline", "true"));
        System.setProperty("ai.djl.default_engine", System.getProperty("ai.djl.default_engine", "OnnxRuntime"));
    }
}
