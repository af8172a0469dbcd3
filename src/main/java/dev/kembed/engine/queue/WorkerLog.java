package dev.kembed.engine.queue;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The workers' one logger, for every class the workers are made of. Its name is the one the
 * workers logged under when they were a single class: it shows in every log line and log
 * configurations filter on it, so it is kept as a name, not taken from a class.
 */
final class WorkerLog {
    static final Logger LOG = LoggerFactory.getLogger(WorkerLog.class.getPackageName() + ".EngineWorkers");

    private WorkerLog() {}
}
