package dev.kembed.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kembed.app.ApplicationLedger.Pipeline;
import dev.kembed.app.ApplicationLedger.State;
import org.junit.jupiter.api.Test;

/** Start-up against what the ledger recorded: first run, restarts, rollout start/continue/replace/abort, cutover, refusals. */
class LedgerPlanTest {
    static final String BASE = "app";
    static final Pipeline A = new Pipeline("", "embA", "none", "out", "", "model-a", 0);
    static final Pipeline B = new Pipeline("", "embB", "none", "next", "", "model-b", 0);
    static final State EMPTY = new State(null, null, null);

    static State live(Pipeline p, String id) {
        return new State(p.underApplication(id), null, null);
    }

    @Test
    void firstRunRecordsTheLivePipelineUnderTheBaseId() {
        LedgerPlan plan = LedgerPlan.decide(EMPTY, BASE, A, null, 1000);
        assertThat(plan.liveApplicationId()).isEqualTo(BASE);
        assertThat(plan.rolloutApplicationId()).isNull();
        assertThat(plan.retired()).isEmpty();
        assertThat(plan.ledgerWrites()).containsOnlyKeys(ApplicationLedger.LIVE);
        assertThat(plan.ledgerWrites().get(ApplicationLedger.LIVE)).contains("\"application_id\":\"app\"").contains("\"embedding\":\"embA\"");
    }

    @Test
    void anUnchangedRestartWritesNothing() {
        LedgerPlan plan = LedgerPlan.decide(live(A, BASE), BASE, A, null, 1000);
        assertThat(plan.liveApplicationId()).isEqualTo(BASE);
        assertThat(plan.ledgerWrites()).isEmpty();
        assertThat(plan.notes()).isEmpty();
    }

    @Test
    void aModelChangeWithoutRolloutIsAllowedAndSaid() {
        Pipeline other = new Pipeline("", "embC", "none", "out", "", "model-c", 0);
        LedgerPlan plan = LedgerPlan.decide(live(A, BASE), BASE, other, null, 1000);
        assertThat(plan.liveApplicationId()).isEqualTo(BASE);
        assertThat(plan.notes()).singleElement().asString().contains("model-a → model-c").contains("recomputed").contains("rollout");
        assertThat(plan.ledgerWrites().get(ApplicationLedger.LIVE)).contains("embC");
    }

    @Test
    void aRolloutStartsUnderANewIdAndContinuesUnderItAfterARestart() {
        LedgerPlan start = LedgerPlan.decide(live(A, BASE), BASE, A, B, 0xabcL);
        assertThat(start.rolloutApplicationId()).isEqualTo("app-rollout-abc");
        assertThat(start.ledgerWrites()).containsKeys(ApplicationLedger.ROLLOUT);
        State running = new State(A.underApplication(BASE), B.underApplication("app-rollout-abc"), null);
        LedgerPlan again = LedgerPlan.decide(running, BASE, A, B, 0xdefL);
        assertThat(again.rolloutApplicationId()).isEqualTo("app-rollout-abc");
        assertThat(again.retired()).isEmpty();
        assertThat(again.ledgerWrites()).isEmpty();
    }

    @Test
    void otherRolloutSettingsReplaceTheRolloutInProgress() {
        State running = new State(A.underApplication(BASE), B.underApplication("app-rollout-abc"), null);
        Pipeline c = new Pipeline("", "embC", "none", "next", "", "model-c", 0);
        LedgerPlan plan = LedgerPlan.decide(running, BASE, A, c, 0xdefL);
        assertThat(plan.rolloutApplicationId()).isEqualTo("app-rollout-def");
        assertThat(plan.retired()).containsExactly("app-rollout-abc");
    }

    @Test
    void removingTheRolloutSettingsAbortsIt() {
        State running = new State(A.underApplication(BASE), B.underApplication("app-rollout-abc"), null);
        LedgerPlan plan = LedgerPlan.decide(running, BASE, A, null, 1);
        assertThat(plan.rolloutApplicationId()).isNull();
        assertThat(plan.liveApplicationId()).isEqualTo(BASE);
        assertThat(plan.retired()).containsExactly("app-rollout-abc");
        assertThat(plan.ledgerWrites()).containsEntry(ApplicationLedger.ROLLOUT, null).containsEntry(ApplicationLedger.PROGRESS, null)
                .containsEntry(ApplicationLedger.RETIRED, "[\"app-rollout-abc\"]");
        assertThat(plan.notes()).singleElement().asString().contains("aborted").contains("next");
    }

    @Test
    void makingTheRolloutSettingsTheMainOnesCutsOver() {
        State running = new State(A.underApplication(BASE), B.underApplication("app-rollout-abc"), null);
        LedgerPlan plan = LedgerPlan.decide(running, BASE, B, null, 1);
        assertThat(plan.liveApplicationId()).as("continues where the rollout stood").isEqualTo("app-rollout-abc");
        assertThat(plan.retired()).containsExactly(BASE);
        assertThat(plan.ledgerWrites()).containsEntry(ApplicationLedger.ROLLOUT, null);
        assertThat(plan.ledgerWrites().get(ApplicationLedger.LIVE)).contains("app-rollout-abc").contains("embB");
        // and after the cutover, a restart is a plain restart
        State after = live(B, "app-rollout-abc");
        assertThat(LedgerPlan.decide(after, BASE, B, null, 2).liveApplicationId()).isEqualTo("app-rollout-abc");
    }

    @Test
    void retiredApplicationsWaitUntilDeletedAndWhatRunsIsNeverRetired() {
        State waiting = new State(A.underApplication(BASE), null, null, java.util.List.of("app-rollout-1", "app-rollout-2"));
        LedgerPlan plan = LedgerPlan.decide(waiting, BASE, A, null, 3);
        assertThat(plan.retired()).containsExactly("app-rollout-1", "app-rollout-2");
        assertThat(plan.ledgerWrites()).isEmpty();
        State odd = new State(A.underApplication(BASE), B.underApplication("app-rollout-2"), null, java.util.List.of("app", "app-rollout-2"));
        assertThat(LedgerPlan.decide(odd, BASE, A, B, 3).retired()).isEmpty();
    }

    @Test
    void aRolloutEqualToTheMainSettingsIsRefused() {
        assertThatThrownBy(() -> LedgerPlan.decide(live(A, BASE), BASE, A, A, 1)).hasMessageContaining("kembed.rollout.*");
    }

    @Test
    void chunkSettingsChangedWithoutRolloutAreRefusedSayingWhatToDo() {
        Pipeline chunked = new Pipeline("", "embA", "max.tokens=256 context=WINDOW text=true", "out", "chunks", "model-a", 0);
        Pipeline smaller = new Pipeline("", "embA", "max.tokens=128 context=WINDOW text=true", "out", "chunks", "model-a", 0);
        assertThatThrownBy(() -> LedgerPlan.decide(live(chunked, BASE), BASE, smaller, null, 1))
                .hasMessageContaining("max.tokens=256").hasMessageContaining("max.tokens=128")
                .hasMessageContaining("kembed.rollout.chunks.topic").hasMessageContaining("kembed.rollout.chunk.max.tokens")
                .hasMessageContaining("kembed rollout status");
        // off → on: the documents emitted meanwhile have no chunks
        assertThatThrownBy(() -> LedgerPlan.decide(live(A, BASE), BASE, chunked, null, 1)).hasMessageContaining("no chunks topic");
        // on → off: allowed, said
        LedgerPlan off = LedgerPlan.decide(live(chunked, BASE), BASE, A, null, 1);
        assertThat(off.notes()).singleElement().asString().contains("chunks").contains("no longer written");
        // a rollout that re-chunks is the way
        Pipeline next = new Pipeline("", "embA", "max.tokens=128 context=WINDOW text=true", "out2", "chunks2", "model-a", 0);
        assertThat(LedgerPlan.decide(live(chunked, BASE), BASE, chunked, next, 5).rolloutApplicationId()).isEqualTo("app-rollout-5");
    }
}
