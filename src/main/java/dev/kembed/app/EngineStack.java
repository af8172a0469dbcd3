package dev.kembed.app;

import dev.kembed.app.config.EmbeddingConfig;
import dev.kembed.app.config.EngineConfig;
import dev.kembed.app.config.HttpConfig;
import dev.kembed.app.config.QueueConfig;
import dev.kembed.engine.EngineInfo;
import dev.kembed.engine.EngineSpec;
import dev.kembed.engine.queue.BatchPolicy;
import dev.kembed.engine.queue.EngineListener;
import dev.kembed.engine.queue.EngineWorkers;
import dev.kembed.engine.queue.QueryLane;
import dev.kembed.engine.queue.WorkerSettings;
import dev.kembed.embed.QueryEmbedder;
import dev.kembed.http.HttpMetrics;
import dev.kembed.http.HttpSettings;
import dev.kembed.http.QueryApi;
import dev.kembed.model.checkpoint.SentenceTransformersConfig;
import dev.kembed.text.EmbeddingSettings;
import dev.kembed.text.WindowPlan;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A model on its engine, its window plan and the one engine queue with its workers: what the
 * streaming job ({@code kembed run}) and the query server ({@code kembed serve}) both run on, opened,
 * checked and closed the same way. Workers first, the engine only once no worker is inside one of
 * its (native) calls.
 */
final class EngineStack implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EngineStack.class);

    private final KembedModel model;
    private final BatchPolicy policy;
    private final WindowPlan plan;
    private final WorkerSettings settings;
    private EngineWorkers workers;

    private EngineStack(KembedModel model, BatchPolicy policy, WindowPlan plan, WorkerSettings settings) {
        this.model = model;
        this.policy = policy;
        this.plan = plan;
        this.settings = settings;
    }

    /**
     * Opens the model on {@code spec}, checks every setting against the loaded engine (all errors in
     * one report), and warms the engine up; nothing runs yet.
     */
    static EngineStack open(KembedConfig cfg, EngineSpec spec) {
        return open(cfg, spec, false);
    }

    /**
     * Padded tokens per rollout batch: a live window that arrives while a rollout batch runs shares
     * the device with it, so rollout batches stay small (a longer window still runs, alone).
     */
    static final int ROLLOUT_BATCH_TOKENS = 512;

    /**
     * A rollout's stack: batches of at most {@link #ROLLOUT_BATCH_TOKENS} padded tokens or one
     * window, so that live work never shares the device with more than that.
     */
    static EngineStack openBehind(KembedConfig cfg, EngineSpec spec) {
        return open(cfg, spec, true);
    }

    private static EngineStack open(KembedConfig cfg, EngineSpec spec, boolean behindLive) {
        KembedModel model = KembedModel.open(cfg.modelDir(), spec, EngineConfig.ENGINE);
        try {
            EngineInfo info = model.engine().info();
            EmbeddingSettings settings = cfg.embeddingSettings(); // read once: a sentence-transformers directory's files are behind it
            WorkerSettings ws = cfg.workerSettings();
            if (behindLive) {
                ws = ws.withBatchMaxTokens(Math.min(ROLLOUT_BATCH_TOKENS, WindowPlan.windowTokens(settings, info)));
            }
            BatchPolicy policy = ws.policy(info, WindowPlan.windowTokens(settings, info));
            WindowPlan plan = planAgainstEngine(settings, ws, model, behindLive ? null : policy);
            String underfills = info.staticBatch() ? policy.underfills(info.maxBatch()) : null;
            if (underfills != null) {
                LOG.warn("{}={} {}", QueueConfig.BATCH_MAX_TOKENS, ws.batchMaxTokens(), underfills);
            }
            LOG.info("engine queue: {} scheduling (starvation bound {} ms), batches of at most {} padded tokens{}", ws.scheduling().label(),
                    ws.queueMaxDelayMs(), policy.maxTokens(), ws.batchMaxTokens() == 0
                            ? (info.batchingHelps() ? " (the engine's batch)" : " (one maximal window: batching does not raise this engine's throughput)")
                            : "");
            model.engine().healthCheck(); // warm-up: fails fast on a broken model
            LOG.info("engine {} ({}), model {} ({}), {} dims, windows of {} tokens, pooling {}, global attention on <s>: {}", info.engine(),
                    info.precision().label(), info.modelName(), info.modelFingerprint(), info.dimension(), plan.maxTokens(),
                    plan.settings().pooling().label(), plan.globalCls());
            return new EngineStack(model, policy, plan, ws);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /**
     * Every setting checked against the loaded engine before anything else starts, all errors in
     * one report: window size, overlap and global attention (the plan's rules), and a batch budget
     * that holds one full window (the queue's).
     */
    private static WindowPlan planAgainstEngine(EmbeddingSettings settings, WorkerSettings ws, KembedModel model, BatchPolicy policy) {
        EngineInfo info = model.engine().info();
        List<String> errors = new ArrayList<>(WindowPlan.check(settings, info, WindowPlan.SettingNames.CONFIG));
        int window = WindowPlan.windowTokens(settings, info);
        // a rollout's small batches hold what they can: a longer window runs alone (null policy: not checked)
        String holds = policy != null && window >= 3 && window <= info.maxTokens() ? policy.checkHolds(window) : null;
        if (holds != null) {
            errors.add(QueueConfig.BATCH_MAX_TOKENS + "=" + ws.batchMaxTokens() + " " + holds + "; raise it or lower "
                    + EmbeddingConfig.WINDOW_MAX_TOKENS);
        }
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException("invalid configuration:\n  " + String.join("\n  ", errors));
        }
        return model.plan(settings, WindowPlan.SettingNames.CONFIG);
    }

    /** Starts the workers on the engine's queue, reporting to {@code listener}. */
    EngineWorkers startWorkers(EngineListener listener) {
        workers = settings.start(model.engine(), model::openEngine, policy, listener);
        return workers;
    }

    /**
     * Starts a rollout's workers on this stack's engine: they run a batch only while {@code live}'s
     * workers have nothing to do, so the live pipeline's latency barely moves.
     */
    EngineWorkers startWorkersBehind(EngineWorkers live, EngineListener listener) {
        workers = settings.startBehind(model.engine(), model::openEngine, policy, listener, live);
        return workers;
    }

    /**
     * The query routes on this stack: the same plan, on the queue's priority lane, bounded in
     * padded tokens; inputs bounded in tokens (both limits resolved against the window and the
     * batch budget).
     */
    QueryApi queryApi(KembedConfig cfg, HttpMetrics metrics) {
        HttpSettings http = cfg.httpSettings().resolved(plan.maxTokens(), policy.maxTokens());
        if (http.maxInputTokens() <= plan.specialTokens()) {
            throw new IllegalArgumentException("invalid configuration:\n  " + HttpConfig.HTTP_MAX_INPUT_TOKENS + "=" + http.maxInputTokens()
                    + " leaves no room for text beside the " + plan.specialTokens() + " special tokens; raise it or set 0 (the window size)");
        }
        QueryLane lane = new QueryLane(workers, http.requestTimeout(), http.maxQueuedTokens());
        var st = SentenceTransformersConfig.read(cfg.modelDir());
        QueryEmbedder embedder = new QueryEmbedder(plan, lane::run, st == null ? java.util.Map.of() : st.prompts(), http.maxInputTokens(),
                lane::checkRoom);
        return new QueryApi(embedder, http, metrics, policy.maxTokens());
    }

    KembedModel model() {
        return model;
    }

    WindowPlan plan() {
        return plan;
    }

    EngineWorkers workers() {
        return workers;
    }

    /** Readiness of the engine side: null when it serves, else what does not, one line each. */
    String notReady() {
        List<String> not = new ArrayList<>();
        if (workers == null) {
            not.add("engine workers: not started");
            return String.join("\n", not);
        }
        if (!workers.health().up()) {
            not.add(workers.health().describe());
        }
        if (workers.liveWorkers() < workers.workers()) {
            not.add("engine workers: " + workers.liveWorkers() + " of " + workers.workers() + " alive (" + workers.workerRestarts()
                    + " replaced so far)");
        }
        return not.isEmpty() ? null : String.join("\n", not);
    }

    /**
     * Stops the workers, then closes the engine they run now, unless a worker is still inside one
     * of its calls; an instance a call hung in is never closed (its thread is still inside). After
     * the workers gave up on the engine, stopping waits less: the process is on its way out.
     */
    @Override
    public void close() {
        Duration wait = workers != null && workers.gaveUp().isDone() ? Duration.ofSeconds(10) : Duration.ofSeconds(60);
        boolean idle = workers == null || workers.stop(wait);
        if (!idle) {
            LOG.warn("not closing the engine: a worker is still inside an engine call after {} s (closing it there could crash the JVM)",
                    wait.toSeconds());
            model.closeLeavingEngine();
            return;
        }
        if (workers != null && workers.engine() != model.engine() && !workers.abandoned(workers.engine())) {
            KembedApp.closeQuietly(workers.engine()); // the fresh instance that took over after a hang
        }
        if (workers != null && workers.abandoned(model.engine())) {
            model.closeLeavingEngine();
        } else {
            model.close();
        }
    }
}
