package dev.kembed.app;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code kembed run}: the streaming job, until stopped (SIGTERM / Ctrl-C close it cleanly). */
@Command(name = "run", mixinStandardHelpOptions = true, description = "Run the streaming embedding job.")
public final class RunCommand implements Callable<Integer> {
    @Option(names = "--config", description = "Properties file: kembed.* keys plus Kafka Streams/client properties.")
    Path config;

    @Option(names = "--data-dir", defaultValue = "kembed-data", description = "State stores and embedded broker data. Default: ${DEFAULT-VALUE}")
    Path dataDir;

    @Override
    public Integer call() throws Exception {
        KembedConfig cfg = KembedConfig.load(config, System.getenv());
        KembedApp app = KembedApp.start(cfg, dataDir);
        Thread hook = new Thread(app::close, "kembed-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        boolean failed = app.awaitStopped();
        if (failed) {
            Runtime.getRuntime().removeShutdownHook(hook);
            app.close();
        }
        return failed ? 1 : 0;
    }
}
