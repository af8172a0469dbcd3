package dev.kembed.app;

import dev.kembed.serde.SchemaRegistry;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Asks the schema registry whether it answers every 10 s on its own thread, so that
 * {@code /health/ready} reads the last answer instead of waiting on a registry timeout itself
 * (a readiness probe gives up after a second). When it answers, the output schemas are registered
 * again ({@link SchemaRegistration#confirm}): a registry restarted without its storage gets them
 * back within one period.
 */
final class RegistryWatch implements AutoCloseable {
    private final ScheduledExecutorService timer;
    private volatile String unreachable;

    RegistryWatch(SchemaRegistry registry, SchemaRegistration registration) {
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "kembed-registry-watch");
            t.setDaemon(true);
            return t;
        });
        unreachable = registry.unreachable();
        timer.scheduleWithFixedDelay(() -> {
            try {
                String down = registry.unreachable();
                unreachable = down != null ? down : registration.confirm();
            } catch (RuntimeException e) { // an escaping exception would cancel the schedule for good
                unreachable = e.toString();
            }
        }, 10, 10, TimeUnit.SECONDS);
    }

    /** Null when the registry answered last time; otherwise why not. */
    String unreachable() {
        return unreachable;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
