package dev.kembed.engine.queue;

import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;

/**
 * Whether a {@link GuardedQueue} has work (windows queued or units of work running), published
 * for readers outside its lock ({@link LiveWork#busy()}), and who to tell when it goes idle. The
 * queue updates it each time it releases its lock; without listeners that is one volatile write.
 */
final class QueueActivity {
    private static final Logger LOG = WorkerLog.LOG;

    private final CopyOnWriteArrayList<Runnable> idleListeners = new CopyOnWriteArrayList<>();
    private volatile boolean busy;

    boolean busy() {
        return busy;
    }

    /** Caller holds the queue's lock: the state as of now; true when this took it from busy to idle. */
    boolean update(boolean nowBusy) {
        boolean was = busy;
        busy = nowBusy;
        return was && !nowBusy;
    }

    LiveWork.Registration onIdle(Runnable wake) {
        Runnable own = wake::run; // a fresh identity: registering the same callback twice gives two registrations
        idleListeners.add(own);
        return () -> idleListeners.remove(own);
    }

    /** Outside the queue's lock: tells every listener the queue went idle. */
    void notifyIdle() {
        for (Runnable r : idleListeners) {
            try {
                r.run();
            } catch (Throwable e) {
                LOG.warn("an idle listener of the engine queue failed: {}", e.toString());
            }
        }
    }
}
