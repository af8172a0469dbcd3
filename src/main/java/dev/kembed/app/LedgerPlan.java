package dev.kembed.app;

import dev.kembed.app.ApplicationLedger.Pipeline;
import dev.kembed.app.config.ChunksConfig;
import dev.kembed.app.config.RolloutConfig;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What start-up does about the settings it finds against those the ledger recorded: which
 * application id the live pipeline runs under, whether a rollout runs (and under which id), which
 * applications' state goes (the old live one at a cutover, an aborted or replaced rollout), what
 * the ledger records next, and what to say about it. A pure function of the three, so that each
 * case is a unit test.
 *
 * <ul>
 *   <li>cutover: the main settings are now those of the rollout in progress → the live pipeline
 *       continues under the rollout's application id, where the rollout stood; the old live
 *       application's state goes;
 *   <li>abort: the rollout settings are gone → the rollout's state goes (its topics stay);
 *   <li>a rollout with other settings than the one in progress → that one's state goes, the new one starts from the beginning;
 *   <li>the model or its settings changed without a rollout → allowed: in-flight documents are
 *       recomputed, the output topic holds vectors of both until every document is updated (said);
 *   <li>the chunk settings or the chunks topic changed without a rollout → refused: the chunks topic
 *       would keep chunks cut the old way (or none) for every document not updated since.
 * </ul>
 *
 * @param liveApplicationId    what the live pipeline runs under
 * @param rolloutApplicationId what the rollout runs under; null without one
 * @param retired              applications no longer run, this start's and those still waiting from earlier ones: their state
 *                             (consumer group, changelogs, local state) goes once no instance runs them
 * @param ledgerWrites         what the ledger records next (null deletes a key), written once the state is gone
 * @param notes                what start-up logs about it
 */
record LedgerPlan(String liveApplicationId, String rolloutApplicationId, List<String> retired, Map<String, String> ledgerWrites,
        List<String> notes) {

    /**
     * @param main    the main settings (application id unset)
     * @param rollout the rollout settings (application id unset), or null
     * @throws IllegalStateException when the settings cannot run as they are, saying what to do instead
     */
    static LedgerPlan decide(ApplicationLedger.State ledger, String baseApplicationId, Pipeline main, Pipeline rollout, long nowMs) {
        List<String> delete = new ArrayList<>(ledger.retired());
        Map<String, String> writes = new LinkedHashMap<>();
        List<String> notes = new ArrayList<>();
        Pipeline live = ledger.live();
        String liveId = live == null ? baseApplicationId : live.applicationId();
        Pipeline inProgress = ledger.rollout();
        boolean cutover = false;
        if (rollout != null && rollout.sameOutput(main)) {
            throw new IllegalStateException("the rollout settings (" + RolloutConfig.PREFIX + "*) are the main settings: to cut over, remove "
                    + "the " + RolloutConfig.PREFIX + "* settings; to roll out, give the rollout another model, settings or topics");
        }
        if (inProgress != null && main.sameOutput(inProgress)) {
            notes.add("cutover: the rollout " + inProgress.applicationId() + " (model " + inProgress.model() + ", into " + inProgress.outputTopic()
                    + ") is now the live pipeline and continues where it stood; the previous live application " + liveId + "'s state is deleted once no instance runs it");
            delete.add(liveId);
            liveId = inProgress.applicationId();
            live = inProgress;
            inProgress = null;
            cutover = true;
            writes.put(ApplicationLedger.ROLLOUT, null);
            writes.put(ApplicationLedger.PROGRESS, null);
        }
        if (live != null) {
            String refused = chunksChanged(live, main);
            if (refused != null) {
                throw new IllegalStateException(refused);
            }
            String dropped = chunksDropped(live, main);
            if (dropped != null) {
                notes.add(dropped);
            }
            if (!live.embedding().equals(main.embedding())) {
                notes.add("the model or its settings changed since " + Instant.ofEpochMilli(live.since()) + " (model " + live.model() + " → "
                        + main.model() + ") without a rollout: documents in flight are recomputed with the new settings, and " + main.outputTopic()
                        + " holds vectors of both until every document is updated; a rollout avoids that (README \"Changing the model\")");
            }
        }
        String rolloutId = null;
        if (rollout != null) {
            if (inProgress != null && rollout.sameOutput(inProgress)) {
                rolloutId = inProgress.applicationId();
            } else {
                if (inProgress != null) {
                    notes.add("the rollout settings changed: rollout " + inProgress.applicationId() + " is dropped and a new one starts from the "
                            + "input topic's beginning");
                    delete.add(inProgress.applicationId());
                }
                rolloutId = baseApplicationId + "-rollout-" + Long.toHexString(nowMs);
                notes.add("rollout " + rolloutId + " starts: model " + rollout.model() + " into " + rollout.outputTopic()
                        + (rollout.chunksTopic().isEmpty() ? "" : " and " + rollout.chunksTopic()) + ", reading the input topic from its beginning");
                writes.put(ApplicationLedger.ROLLOUT, new Pipeline(rolloutId, rollout.embedding(), rollout.chunks(), rollout.outputTopic(),
                        rollout.chunksTopic(), rollout.model(), nowMs).json());
                writes.put(ApplicationLedger.PROGRESS, null);
            }
        } else if (inProgress != null) {
            notes.add("rollout " + inProgress.applicationId() + " aborted (no " + RolloutConfig.MODEL_DIR + " any more): its state is deleted; "
                    + "its topics " + inProgress.outputTopic() + (inProgress.chunksTopic().isEmpty() ? "" : " and " + inProgress.chunksTopic())
                    + " stay");
            delete.add(inProgress.applicationId());
            writes.put(ApplicationLedger.ROLLOUT, null);
            writes.put(ApplicationLedger.PROGRESS, null);
        }
        if (cutover || live == null || !live.sameOutput(main) || !live.applicationId().equals(liveId) || !live.model().equals(main.model())) {
            writes.put(ApplicationLedger.LIVE, new Pipeline(liveId, main.embedding(), main.chunks(), main.outputTopic(), main.chunksTopic(),
                    main.model(), live != null && live.sameOutput(main) ? live.since() : nowMs).json());
        }
        delete.remove(liveId); // never retire what runs now
        if (rolloutId != null) {
            delete.remove(rolloutId);
        }
        if (!delete.equals(ledger.retired())) {
            writes.put(ApplicationLedger.RETIRED, ApplicationLedger.retiredJson(delete));
        }
        return new LedgerPlan(liveId, rolloutId, List.copyOf(delete), writes, notes);
    }

    /** Null when the chunks topic keeps exactly the current chunks under {@code main}; else why not and what to do. */
    private static String chunksChanged(Pipeline live, Pipeline main) {
        boolean sameTopic = live.chunksTopic().equals(main.chunksTopic());
        if (sameTopic && live.chunks().equals(main.chunks())) {
            return null;
        }
        if (main.chunksTopic().isEmpty()) {
            return null; // chunks off: the old chunks topic is no longer kembed's (start-up says so)
        }
        String was = live.chunksTopic().isEmpty() ? "no chunks topic" : live.chunksTopic() + " (" + live.chunks() + ")";
        String now = main.chunksTopic() + " (" + main.chunks() + ")";
        return "the chunk settings changed since this application last ran (" + was + " → " + now + "): " + main.chunksTopic()
                + " would keep chunks cut the old way, or none, for every document not updated since. Re-chunk every live document with a "
                + "rollout instead: restore the previous chunk settings, set " + RolloutConfig.MODEL_DIR + " (this model's directory), "
                + RolloutConfig.OUTPUT_TOPIC + " and " + RolloutConfig.CHUNKS_TOPIC + " (new topics) and the new chunk settings under "
                + RolloutConfig.rolloutKey(ChunksConfig.CHUNK_MAX_TOKENS) + " / " + RolloutConfig.rolloutKey(ChunksConfig.CHUNK_CONTEXT) + " / "
                + RolloutConfig.rolloutKey(ChunksConfig.CHUNK_TEXT) + ", wait until `kembed rollout status` says ready, then make them the "
                + "main settings (README \"Changing the model\")";
    }

    /** Whether the live pipeline had a chunks topic that it no longer has (its chunks topic stops being maintained). */
    private static String chunksDropped(Pipeline live, Pipeline main) {
        if (live.chunksTopic().isEmpty() || !main.chunksTopic().isEmpty()) {
            return null;
        }
        return "chunks are off now: " + live.chunksTopic() + " is no longer written (updated and deleted documents keep their old chunks there); "
                + "delete it, or roll out to turn chunks on again";
    }
}
