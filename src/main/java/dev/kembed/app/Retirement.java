package dev.kembed.app;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes the state of applications this one no longer runs (an aborted or replaced rollout, the
 * live application before a cutover): their local state at once, since this process does not run
 * them; their consumer group and changelogs once no instance does (a rolling restart leaves the
 * others on the old settings for a while, and a stopped instance stays a member for a session
 * timeout), retried every few seconds until done, each deletion recorded in the ledger.
 */
final class Retirement implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Retirement.class);
    static final long PERIOD_MS = 5_000;

    private final ApplicationState admin;
    private final ApplicationLedger ledger;
    private final List<String> waiting;
    private final ScheduledExecutorService timer;

    private Retirement(ApplicationState admin, ApplicationLedger ledger, List<String> retired) {
        this.admin = admin;
        this.ledger = ledger;
        this.waiting = new ArrayList<>(retired);
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "kembed-retirement");
            t.setDaemon(true);
            return t;
        });
    }

    /** Deletes the retired applications' local state and starts deleting the rest; null when there is nothing to retire. */
    static Retirement start(ApplicationState admin, ApplicationLedger ledger, List<String> retired, Path stateDir) {
        if (retired.isEmpty()) {
            return null;
        }
        retired.forEach(id -> ApplicationState.deleteLocal(id, stateDir));
        Retirement r = new Retirement(admin, ledger, retired);
        LOG.info("retired applications {}: their consumer groups and changelogs are deleted once no instance runs them", retired);
        r.timer.scheduleWithFixedDelay(r::attempt, 0, PERIOD_MS, TimeUnit.MILLISECONDS);
        return r;
    }

    private synchronized void attempt() {
        try {
            boolean changed = waiting.removeIf(admin::deleteIfIdle);
            if (changed) {
                ledger.write(Map.of(ApplicationLedger.RETIRED, ApplicationLedger.retiredJson(waiting)));
            }
            if (waiting.isEmpty()) {
                timer.shutdown();
            }
        } catch (RuntimeException e) {
            LOG.debug("retired applications not deleted this time: {}", e.toString());
        }
    }

    /** Applications still waiting to be deleted. */
    synchronized List<String> waiting() {
        return List.copyOf(waiting);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
