package dev.kembed.engine.queue;

import dev.kembed.engine.EmbeddingEngine;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * The engine instance the workers run now, and the ones they abandoned because a call hung in
 * them. A hung instance can never be closed (a thread is still inside its native code) and keeps
 * its memory, so a process opens at most {@code maxReopens} fresh instances in its life; a hang
 * past that is the end of this process (the orchestrator starts a clean one).
 */
final class EngineInstances {
    /** What a hung call means for the engine. */
    enum Verdict {
        /** The call ran on an instance already abandoned: the current one is not concerned. */
        ALREADY_REPLACED,
        /** Open a fresh instance. */
        REOPEN,
        /** No fresh instance left to open. */
        GIVE_UP
    }

    private final EngineOpener opener;
    private final int maxReopens;
    private final Set<EmbeddingEngine> abandoned = Collections.newSetFromMap(new IdentityHashMap<>());
    private volatile EmbeddingEngine current;
    private int reopens;

    /** @param opener null: no fresh instance can be opened (a hang gives up at once) */
    EngineInstances(EmbeddingEngine first, EngineOpener opener, int maxReopens) {
        this.current = first;
        this.opener = opener;
        this.maxReopens = opener == null ? 0 : maxReopens;
    }

    EmbeddingEngine current() {
        return current;
    }

    /** A call hung in {@code engine}: it is abandoned, and what happens next. */
    synchronized Verdict hung(EmbeddingEngine engine) {
        if (engine != current || abandoned.contains(engine)) {
            abandoned.add(engine);
            return Verdict.ALREADY_REPLACED;
        }
        abandoned.add(engine);
        return mayReopen() ? Verdict.REOPEN : Verdict.GIVE_UP;
    }

    synchronized boolean mayReopen() {
        return reopens < maxReopens;
    }

    /** Opens a fresh instance (counted, whether opening works or not) and makes it the current one. */
    EmbeddingEngine openFresh() {
        synchronized (this) {
            reopens++;
        }
        EmbeddingEngine fresh = opener.open();
        synchronized (this) {
            current = fresh;
        }
        return fresh;
    }

    synchronized int reopens() {
        return reopens;
    }

    int maxReopens() {
        return maxReopens;
    }

    /** Whether a call hung in {@code engine} (it must never be closed). */
    synchronized boolean abandoned(EmbeddingEngine engine) {
        return abandoned.contains(engine);
    }
}
