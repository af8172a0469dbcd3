package dev.kembed.app;

import dev.kembed.serde.SchemaRegistry;
import dev.kembed.serde.SerdeException;
import dev.kembed.serde.SubjectSchema;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers every schema kembed writes before Kafka Streams runs, so the sinks' serializer finds
 * their ids cached and a registry outage never reaches a stream thread in the common case.
 *
 * <p>While no registry answers, it tries again after 0.5 s, doubling up to a bound (30 s by
 * default), and never gives up: a restart during an outage waits instead of exiting, readiness
 * says what it waits for, and liveness and the metrics keep answering. A registry that answers and
 * refuses a schema (409 incompatible, 422 invalid, 401/403) is a configuration error: waiting would
 * not change its answer, so start-up stops with the subject and the registry's reason.
 *
 * <p>After start-up, {@link #confirm} (the registry watch, every 10 s) registers the schemas again:
 * a registry that lost its storage (an in-memory one restarted) gets them back and hands out the
 * ids kembed writes from then on.
 */
final class SchemaRegistration implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SchemaRegistration.class);
    static final long INITIAL_PAUSE_MS = 500;

    private final SchemaRegistry registry;
    private final List<SubjectSchema> schemas;
    private final long maxPauseMs;
    private final LongSupplier clockMs;
    private final StreamThreadFailures.Sleeper sleeper;
    private final Map<SubjectSchema, Integer> ids = new ConcurrentHashMap<>();
    private volatile int attempts;
    private volatile String lastError;
    private volatile long nextAttemptAtMs;
    private volatile String refused;
    private Thread waiter;

    SchemaRegistration(SchemaRegistry registry, List<SubjectSchema> schemas, long maxPauseMs, LongSupplier clockMs,
            StreamThreadFailures.Sleeper sleeper) {
        if (schemas.isEmpty() || maxPauseMs < INITIAL_PAUSE_MS) {
            throw new IllegalArgumentException("schema registration needs schemas and a longest pause >= " + INITIAL_PAUSE_MS + " ms");
        }
        this.registry = registry;
        this.schemas = List.copyOf(schemas);
        this.maxPauseMs = maxPauseMs;
        this.clockMs = clockMs;
        this.sleeper = sleeper;
    }

    /**
     * One pass over the schemas not registered yet. True once all are; false when no registry
     * answered (readiness reports it); a refusal throws a fatal {@link SerdeException} that names
     * the subject and carries the registry's reason.
     */
    boolean attempt() {
        attempts++;
        for (SubjectSchema s : schemas) {
            if (ids.containsKey(s)) {
                continue;
            }
            try {
                ids.put(s, registry.register(s.subject(), s.schema()));
            } catch (SerdeException e) {
                if (e.retryable()) {
                    lastError = e.getMessage();
                    return false;
                }
                refused = "the schema registry refused kembed's output schema, " + s.label() + ": " + e.getMessage()
                        + ". kembed does not start: waiting would not change the answer. Make the subject accept the schema (its "
                        + "compatibility setting, or delete the subject) or write under another subject (kembed.schema.registry.subject.name.strategy, "
                        + "the topic settings)";
                throw SerdeException.registryRefused(e.reason(), refused);
            }
        }
        lastError = null;
        LOG.info("output schemas registered{}: {}", attempts > 1 ? " after " + attempts + " attempts" : "", registered());
        return true;
    }

    /**
     * Attempts until every schema is registered, pausing 0.5 s doubling to the bound between
     * attempts. False when interrupted (kembed is closing); a refusal throws as {@link #attempt} does.
     */
    boolean untilRegistered() {
        long pause = INITIAL_PAUSE_MS;
        boolean registered = attempts > 0 ? done() : attempt(); // after start-up's own first attempt, pause before the next
        while (!registered) {
            nextAttemptAtMs = clockMs.getAsLong() + pause;
            LOG.warn("schema registry unreachable: output schemas not registered yet (attempt {}: {}); Kafka Streams waits; next attempt in {} ms",
                    attempts, lastError, pause);
            try {
                sleeper.sleep(pause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            pause = Math.min(maxPauseMs, pause * 2);
            registered = attempt();
        }
        return true;
    }

    /**
     * Registers on a thread of its own and runs {@code start} once every schema is registered, so
     * start-up returns (and the health and metrics server answers) while the registry is down. A
     * refusal calls {@code onRefused} with the message instead.
     */
    synchronized void inBackground(Runnable start, Consumer<String> onRefused) {
        waiter = new Thread(() -> {
            try {
                if (untilRegistered()) {
                    start.run();
                }
            } catch (SerdeException e) {
                LOG.error("{}", e.getMessage());
                onRefused.accept(e.getMessage());
            }
        }, "kembed-schema-registration");
        waiter.setDaemon(true);
        waiter.start();
    }

    boolean done() {
        return ids.size() == schemas.size();
    }

    /** Output schemas start-up has not registered yet (the gauge {@code kembed_registry_schemas_unregistered}). */
    int unregistered() {
        return schemas.size() - ids.size();
    }

    /** Why start-up stopped (a refused schema), or null. */
    String refused() {
        return refused;
    }

    /** Null once every schema is registered; else the readiness line. */
    String notReady() {
        if (done()) {
            return null;
        }
        if (refused != null) {
            return "schema registry refused: " + refused;
        }
        String subjects = schemas.stream().filter(s -> !ids.containsKey(s)).map(SubjectSchema::label).toList().toString();
        if (attempts == 0) {
            return "schema registry: output schemas not registered yet " + subjects;
        }
        long nextInMs = Math.max(0, nextAttemptAtMs - clockMs.getAsLong());
        return "schema registry unreachable: output schemas not registered yet " + subjects + " (attempt " + attempts + ", last error: "
                + lastError + "; next attempt in " + (nextInMs + 999) / 1000 + " s); Kafka Streams starts once they are";
    }

    /**
     * Registers every schema again (once start-up registered them; the registry watch calls it every
     * 10 s while the registry answers). A registry that lost its storage gets the schemas back; a
     * new id replaces the cached one and is logged. Null when the registry agreed; else why not.
     */
    String confirm() {
        if (!done()) {
            return null; // start-up's own attempts are under way
        }
        for (SubjectSchema s : schemas) {
            try {
                int id = registry.registerAgain(s.subject(), s.schema());
                Integer before = ids.put(s, id);
                if (before != null && before != id) {
                    LOG.warn("the schema registry hands out id {} for {} where it gave {} before (it lost its storage?); "
                            + "kembed writes id {} from now on; records written before carry id {}", id, s.label(), before, id, before);
                }
            } catch (SerdeException e) {
                if (!e.retryable()) {
                    LOG.error("the schema registry refused kembed's output schema again, {}: {}", s.label(), e.getMessage());
                    return "schema registry refused " + s.label() + " when registering it again: " + e.getMessage();
                }
                return e.getMessage();
            }
        }
        return null;
    }

    private String registered() {
        StringBuilder b = new StringBuilder();
        for (SubjectSchema s : schemas) {
            b.append(b.isEmpty() ? "" : ", ").append(s.label()).append(" id ").append(ids.get(s));
        }
        return b.toString();
    }

    /** Stops waiting (kembed closes during an outage); Streams was not started then. */
    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            t = waiter;
        }
        if (t != null) {
            t.interrupt();
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
