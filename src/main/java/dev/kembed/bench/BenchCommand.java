package dev.kembed.bench;

import picocli.CommandLine.Command;

/** {@code kembed bench ...}: benchmark harnesses that print numbers; each subcommand is its own class. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks.", subcommands = {BenchEngineCommand.class,
        BenchLinearCommand.class, BenchStreamCommand.class, BenchBurstCommand.class, BenchEditsCommand.class, BenchLatencyCommand.class, BenchChunksCommand.class,
        BenchQueriesCommand.class, BenchRolloutCommand.class})
public final class BenchCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.err);
    }
}
