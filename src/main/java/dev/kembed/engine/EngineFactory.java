package dev.kembed.engine;

import dev.kembed.model.arch.Checkpoint;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place an engine is chosen by name. {@code auto} tries every engine of this build with a
 * non-negative {@link EngineProvider#rank()}, highest first, logging one line per engine it skips
 * and why: a new engine is one provider class and its service registration, nothing here.
 */
public final class EngineFactory {
    private static final Logger LOG = LoggerFactory.getLogger(EngineFactory.class);

    public static final String AUTO = "auto";
    /** The CPU engine's name (the adapter's NAME, repeated because engine does not import its adapters): the reference engine. */
    public static final String ONNXRUNTIME_CPU = "onnxruntime-cpu";

    private EngineFactory() {}

    static Map<String, EngineProvider> providers() {
        Map<String, EngineProvider> byName = new LinkedHashMap<>();
        for (EngineProvider p : ServiceLoader.load(EngineProvider.class)) {
            byName.putIfAbsent(p.name(), p);
        }
        return byName;
    }

    /** Every engine name this build knows, plus {@code auto}. */
    public static List<String> names() {
        List<String> names = new ArrayList<>(List.of(AUTO));
        names.addAll(providers().keySet());
        return names;
    }

    /** The provider {@code spec} names, checked for availability and precision; throws with the remedy otherwise. */
    public static EngineProvider resolve(String key, EngineSpec spec) {
        Map<String, EngineProvider> all = providers();
        if (spec.name().equals(AUTO)) {
            List<String> skipped = new ArrayList<>();
            List<EngineProvider> ranked = all.values().stream().filter(p -> p.rank() >= 0)
                    .sorted(java.util.Comparator.comparingInt(EngineProvider::rank).reversed()).toList();
            for (EngineProvider p : ranked) {
                String name = p.name();
                String why = p.unavailable(spec);
                if (why == null && !p.precisions().contains(spec.precision())) {
                    why = "does not run " + spec.precision().label() + "; it runs " + labels(p);
                }
                if (why == null) {
                    LOG.info("{}=auto chose {}", key, name);
                    return p;
                }
                LOG.info("{}=auto skips {}: {}", key, name, why);
                skipped.add(name + ": " + why);
            }
            throw new IllegalArgumentException(key + "=auto: no engine here runs precision " + spec.precision().label() + " ("
                    + String.join("; ", skipped) + ")");
        }
        EngineProvider p = all.get(spec.name());
        if (p == null) {
            throw new IllegalArgumentException(key + "=" + spec.name() + " is not an engine; allowed: " + String.join(", ", names()));
        }
        String why = p.unavailable(spec);
        if (why != null) {
            throw new IllegalArgumentException(key + "=" + spec.name() + " cannot run here: " + why);
        }
        if (!p.precisions().contains(spec.precision())) {
            throw new IllegalArgumentException("precision " + spec.precision().label() + " is not supported by " + spec.name()
                    + "; it runs: " + labels(p));
        }
        return p;
    }

    private static String labels(EngineProvider p) {
        return p.precisions().stream().map(Precision::label).sorted().collect(Collectors.joining(", "));
    }

    public static EmbeddingEngine open(String key, EngineSpec spec, Checkpoint checkpoint, String modelName) {
        return resolve(key, spec).open(spec, checkpoint, modelName);
    }
}
