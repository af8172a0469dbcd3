package dev.kembed.serde;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;

/** In-JVM registry for the demo and tests; ids start at 1 per scope. */
public final class MockSchemaRegistry implements SchemaRegistry {
    private static final Map<String, MockSchemaRegistry> SCOPES = new ConcurrentHashMap<>();

    private final List<Schema> schemas = new ArrayList<>();
    private final Map<String, Integer> ids = new ConcurrentHashMap<>();
    private volatile String outage;

    public static MockSchemaRegistry scope(String name) {
        return SCOPES.computeIfAbsent(name, n -> new MockSchemaRegistry());
    }

    /** While set, every call fails as a registry that does not answer would (tests of the retry path); null restores it. */
    public void outage(String message) {
        this.outage = message;
    }

    private void answering() {
        String down = outage;
        if (down != null) {
            throw SerdeException.registryUnavailable(down, null);
        }
    }

    @Override
    public synchronized int register(String subject, Schema schema) {
        answering();
        return ids.computeIfAbsent(schema.toString(), s -> {
            schemas.add(schema);
            return schemas.size();
        });
    }

    @Override
    public synchronized Schema byId(int id) {
        answering();
        if (id < 1 || id > schemas.size()) {
            throw SerdeException.badValue("unknown-schema", "schema id " + id + " is not registered");
        }
        return schemas.get(id - 1);
    }

    @Override
    public String unreachable() {
        return outage;
    }
}
