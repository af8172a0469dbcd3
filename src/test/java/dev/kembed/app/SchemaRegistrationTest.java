package dev.kembed.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kembed.avro.ChunkEmbedding;
import dev.kembed.avro.DocumentEmbedding;
import dev.kembed.serde.SchemaRegistry;
import dev.kembed.serde.SerdeException;
import dev.kembed.serde.SubjectSchema;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

/** Start-up registration of the output schemas: retried with doubling pauses while no registry answers, refused at once. */
class SchemaRegistrationTest {
    static final List<SubjectSchema> SCHEMAS = List.of(new SubjectSchema("emb-value", DocumentEmbedding.getClassSchema()),
            new SubjectSchema("emb-chunks-value", ChunkEmbedding.getClassSchema()));

    final AtomicLong now = new AtomicLong(1_000_000);
    final List<Long> pauses = new ArrayList<>();
    final List<String> readiness = new ArrayList<>();
    final ScriptedRegistry registry = new ScriptedRegistry();
    SchemaRegistration registration;

    /** A registry that fails as told (unreachable, refusing), else hands out ids 1, 2, … in registration order; counts calls. */
    static class ScriptedRegistry implements SchemaRegistry {
        int unreachableCalls;
        SerdeException refusal;
        int calls;
        int nextId = 1;
        final List<String> subjects = new ArrayList<>();

        @Override
        public int register(String subject, Schema schema) {
            calls++;
            if (unreachableCalls > 0) {
                unreachableCalls--;
                throw SerdeException.registryUnavailable("no schema registry answered; http://registry:8081 unreachable: ConnectException", null);
            }
            if (refusal != null) {
                throw refusal;
            }
            subjects.add(subject);
            return nextId++;
        }

        @Override
        public Schema byId(int id) {
            throw new UnsupportedOperationException();
        }
    }

    SchemaRegistration registration(long maxPauseMs) {
        return new SchemaRegistration(registry, SCHEMAS, maxPauseMs, now::get, ms -> {
            readiness.add(registration.notReady()); // what /health/ready says during the pause
            pauses.add(ms);
            now.addAndGet(ms);
        });
    }

    @Test
    void retriesWithADoublingBoundedPauseUntilTheRegistryAnswers() {
        registration = registration(4_000);
        registry.unreachableCalls = 6;
        assertThat(registration.notReady()).isEqualTo("schema registry: output schemas not registered yet "
                + "[subject 'emb-value' (dev.kembed.avro.DocumentEmbedding), subject 'emb-chunks-value' (dev.kembed.avro.ChunkEmbedding)]");
        assertThat(registration.attempt()).as("start-up's own first attempt").isFalse();
        assertThat(registration.untilRegistered()).isTrue();
        assertThat(pauses).containsExactly(500L, 1_000L, 2_000L, 4_000L, 4_000L, 4_000L);
        assertThat(registry.calls).as("7 attempts; the 7th registers both").isEqualTo(8);
        assertThat(registry.subjects).containsExactly("emb-value", "emb-chunks-value");
        assertThat(readiness.get(2)).isEqualTo("schema registry unreachable: output schemas not registered yet "
                + "[subject 'emb-value' (dev.kembed.avro.DocumentEmbedding), subject 'emb-chunks-value' (dev.kembed.avro.ChunkEmbedding)] "
                + "(attempt 3, last error: no schema registry answered; http://registry:8081 unreachable: ConnectException; next attempt in 2 s); "
                + "Kafka Streams starts once they are");
        assertThat(registration.notReady()).isNull();
        assertThat(registration.unregistered()).isZero();
        assertThat(registration.refused()).isNull();
    }

    @Test
    void aSchemaRegisteredBeforeTheOutageIsNotAskedForAgain() {
        // the first schema registers, then the registry goes away before the second
        ScriptedRegistry flaky = new ScriptedRegistry() {
            @Override
            public int register(String subject, Schema schema) {
                if (subject.equals("emb-chunks-value") && calls++ < 2) {
                    throw SerdeException.registryUnavailable("down", null);
                }
                subjects.add(subject);
                return nextId++;
            }
        };
        SchemaRegistration r = new SchemaRegistration(flaky, SCHEMAS, 30_000, now::get, pauses::add);
        assertThat(r.untilRegistered()).isTrue();
        assertThat(flaky.subjects).containsExactly("emb-value", "emb-chunks-value");
        assertThat(pauses).containsExactly(500L, 1_000L);
    }

    @Test
    void aRefusedSchemaStopsStartUpAtOnceNamingTheSubjectAndTheRegistrysAnswer() {
        registration = registration(30_000);
        registry.refusal = SerdeException.registryRefused("registry-incompatible", "schema registry http://registry:8081 refused the schema for "
                + "subject emb-value as incompatible (409): Schema being registered is incompatible with an earlier schema");
        assertThatThrownBy(registration::untilRegistered).isInstanceOf(SerdeException.class)
                .satisfies(e -> assertThat(((SerdeException) e).retryable()).isFalse())
                .satisfies(e -> assertThat(((SerdeException) e).reason()).isEqualTo("registry-incompatible"))
                .hasMessageStartingWith("the schema registry refused kembed's output schema, subject 'emb-value' (dev.kembed.avro.DocumentEmbedding): ")
                .hasMessageContaining("as incompatible (409): Schema being registered is incompatible with an earlier schema")
                .hasMessageContaining("kembed does not start");
        assertThat(registry.calls).as("no loop").isEqualTo(1);
        assertThat(pauses).isEmpty();
        assertThat(registration.refused()).contains("subject 'emb-value'");
        assertThat(registration.notReady()).startsWith("schema registry refused: the schema registry refused kembed's output schema");
    }

    @Test
    void aRefusalAfterAnOutageStillStopsStartUp() {
        registration = registration(30_000);
        registry.unreachableCalls = 2;
        registry.refusal = SerdeException.registryRefused("registry-invalid", "schema registry refused the schema as invalid (422): bad");
        assertThatThrownBy(registration::untilRegistered).hasMessageContaining("(422): bad");
        assertThat(pauses).containsExactly(500L, 1_000L);
    }

    /** The registry watch registers again every period: a registry that lost its storage gets the schemas back under new ids. */
    @Test
    void confirmRegistersAgainAndPicksUpNewIds() {
        registration = registration(30_000);
        assertThat(registration.confirm()).as("nothing to confirm before start-up registered").isNull();
        assertThat(registry.calls).isZero();
        assertThat(registration.attempt()).isTrue();
        registry.nextId = 7; // restarted: other ids now
        assertThat(registration.confirm()).isNull();
        assertThat(registry.subjects).containsExactly("emb-value", "emb-chunks-value", "emb-value", "emb-chunks-value");
        registry.unreachableCalls = 1;
        assertThat(registration.confirm()).contains("no schema registry answered");
        registry.refusal = SerdeException.registryRefused("registry-unauthorized", "schema registry answered 401");
        assertThat(registration.confirm()).startsWith("schema registry refused subject 'emb-value'").contains("answered 401");
        assertThat(registration.notReady()).as("start-up is done: the watch's line reports it").isNull();
    }

    @Test
    void closingStopsAWaitInProgress() throws Exception {
        SchemaRegistration r = new SchemaRegistration(registry, SCHEMAS, 30_000, now::get, ms -> {
            throw new InterruptedException();
        });
        registry.unreachableCalls = Integer.MAX_VALUE;
        assertThat(r.untilRegistered()).as("interrupted: kembed is closing").isFalse();
        assertThat(Thread.interrupted()).as("the interrupt is kept for the caller").isTrue();
    }
}
