package dev.kembed.app;

import dev.kembed.stream.DocState;
import dev.kembed.stream.Names;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How far the rollout is behind the live pipeline, measured every few seconds: the input records
 * the live pipeline has consumed and the rollout has not (per partition, from the two applications'
 * committed offsets), plus the rollout's documents in flight below the live position. Ready when
 * both are zero: the rollout topic then holds, for every live document, the version the live
 * pipeline took (or a newer one). Reported as gauges, in {@code /health}'s detail and in the ledger
 * (what {@code kembed rollout status} prints).
 *
 * <p>The documents in flight are those of this process's rollout tasks: with several instances,
 * each counts its own, and the one whose offsets lag says not ready.
 */
final class RolloutProgress implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RolloutProgress.class);
    static final long PERIOD_MS = 2_000;

    private final ApplicationState admin;
    private final ApplicationLedger ledger;
    private final String inputTopic;
    private final String liveId;
    private final String rolloutId;
    private final KafkaStreams rollout;
    private final ScheduledExecutorService timer;
    private volatile long remaining = -1;
    private volatile boolean ready;
    private volatile long livePosition;
    private volatile String lastReported = "";

    RolloutProgress(ApplicationState admin, ApplicationLedger ledger, String inputTopic, String liveId, String rolloutId, KafkaStreams rollout) {
        this.admin = admin;
        this.ledger = ledger;
        this.inputTopic = inputTopic;
        this.liveId = liveId;
        this.rolloutId = rolloutId;
        this.rollout = rollout;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "kembed-rollout-progress");
            t.setDaemon(true);
            return t;
        });
    }

    void start() {
        timer.scheduleWithFixedDelay(this::measureAndReport, PERIOD_MS, PERIOD_MS, TimeUnit.MILLISECONDS);
    }

    /** Documents (input records) the rollout still has to embed to stand where the live pipeline stands; -1 before the first measure. */
    long remaining() {
        return remaining;
    }

    boolean ready() {
        return ready;
    }

    String describe() {
        return "rollout " + rolloutId + ": " + (remaining < 0 ? "not measured yet" : remaining + " documents remaining") + ", ready: " + ready;
    }

    private void measureAndReport() {
        try {
            measure();
            String report = remaining + "/" + ready + "/" + livePosition;
            if (!report.equals(lastReported)) {
                ledger.write(java.util.Collections.singletonMap(ApplicationLedger.PROGRESS,
                        new ApplicationLedger.Progress(remaining, ready, livePosition, System.currentTimeMillis()).json()));
                lastReported = report;
                if (ready) {
                    LOG.info("rollout {} is ready: it holds every live document's version; cut over by making the rollout settings the main ones",
                            rolloutId);
                }
            }
        } catch (RuntimeException e) {
            LOG.debug("rollout progress not measured this time: {}", e.toString());
        }
    }

    void measure() {
        ApplicationState.Standing standing = admin.standing(liveId, rolloutId, inputTopic);
        long inFlight = inFlightBelow(standing.live());
        boolean running = rollout.state() == KafkaStreams.State.RUNNING;
        this.livePosition = standing.livePosition();
        remaining = standing.behind() + Math.max(0, inFlight);
        ready = running && inFlight >= 0 && remaining == 0;
    }

    /** The rollout's documents in flight in this process whose version the live pipeline has taken; -1 while its stores cannot be read. */
    private long inFlightBelow(Map<Integer, Long> livePosition) {
        try {
            ReadOnlyKeyValueStore<String, DocState> docs = rollout.store(StoreQueryParameters.fromNameAndType(Names.DOCUMENT_STORE,
                    QueryableStoreTypes.<String, DocState>keyValueStore()));
            long n = 0;
            try (KeyValueIterator<String, DocState> it = docs.all()) {
                while (it.hasNext()) {
                    DocState s = it.next().value;
                    if (s.generation() < livePosition.getOrDefault(s.sourcePartition(), Long.MAX_VALUE)) {
                        n++;
                    }
                }
            }
            return n;
        } catch (InvalidStateStoreException e) {
            return -1; // rebalancing or restoring: not ready, measured again next time
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
