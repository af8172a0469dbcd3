package dev.kembed.app;

import dev.kembed.cli.KembedCli;
import java.util.List;
import picocli.CommandLine;

/** The option names a subcommand declares, read from picocli's model. */
final class KembedCliHelp {
    private KembedCliHelp() {}

    static List<String> of(String command) {
        CommandLine cli = new CommandLine(new KembedCli());
        return cli.getSubcommands().get(command).getCommandSpec().options().stream().flatMap(o -> List.of(o.names()).stream()).toList();
    }
}
