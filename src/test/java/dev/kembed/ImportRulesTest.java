package dev.kembed;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The house rules, read from the sources: imports run one way, app (and bench beside it) → stream →
 * {text, engine, serde} → model; only engine adapters (engine.djl, engine.onnxruntime,
 * engine.tensorrt) import DJL and ONNX Runtime; engines never import Kafka; the synchronous embed
 * path reaches no Kafka class; commands are wiring, never libraries.
 */
class ImportRulesTest {
    static final Path MAIN = Path.of("src/main/java/dev/kembed");
    static final Pattern IMPORT = Pattern.compile("^import (?:static )?([\\w.]+)", Pattern.MULTILINE);

    record Import(String from, String imported) {}

    static List<Import> imports() throws IOException {
        List<Import> out = new ArrayList<>();
        try (Stream<Path> files = Files.walk(MAIN)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String pkg = "dev.kembed." + MAIN.relativize(f.getParent()).toString().replace('/', '.');
                Matcher m = IMPORT.matcher(Files.readString(f));
                while (m.find()) {
                    out.add(new Import(pkg + "." + f.getFileName(), m.group(1)));
                }
            }
        }
        return out;
    }

    static List<String> violations(String fromPackage, String forbiddenPrefix) throws IOException {
        return imports().stream()
                .filter(i -> i.from().startsWith(fromPackage + "."))
                .filter(i -> i.imported().startsWith(forbiddenPrefix))
                .map(i -> i.from() + " imports " + i.imported()).toList();
    }

    @Test
    void streamDoesNotImportModel() throws IOException {
        assertThat(violations("dev.kembed.stream", "dev.kembed.model")).isEmpty();
    }

    @Test
    void engineImportsNeitherStreamNorAppNorKafka() throws IOException {
        assertThat(violations("dev.kembed.engine", "dev.kembed.stream")).isEmpty();
        assertThat(violations("dev.kembed.engine", "dev.kembed.app")).isEmpty();
        assertThat(violations("dev.kembed.engine", "dev.kembed.text")).isEmpty();
        assertThat(violations("dev.kembed.engine", "org.apache.kafka")).isEmpty();
    }

    @Test
    void lowerLayersDoNotImportUpperOnes() throws IOException {
        for (String lower : List.of("dev.kembed.model", "dev.kembed.text", "dev.kembed.serde")) {
            assertThat(violations(lower, "dev.kembed.stream")).as(lower).isEmpty();
            assertThat(violations(lower, "dev.kembed.app")).as(lower).isEmpty();
        }
        assertThat(violations("dev.kembed.model", "dev.kembed.engine")).isEmpty();
        assertThat(violations("dev.kembed.model", "dev.kembed.text")).isEmpty();
        assertThat(violations("dev.kembed.stream", "dev.kembed.app")).isEmpty();
    }

    /** The engine contract (EmbeddingEngine, EngineInfo, EngineException, EngineProvider...) depends on no queue and no adapter. */
    @Test
    void theEngineContractImportsNeitherTheQueueNorTheAdapters() throws IOException {
        List<String> wrong = imports().stream().filter(i -> packageOf(i.from()).equals("dev.kembed.engine"))
                .filter(i -> i.imported().startsWith("dev.kembed.engine.queue") || i.imported().startsWith("dev.kembed.engine.djl")
                        || i.imported().startsWith("dev.kembed.engine.onnxruntime") || i.imported().startsWith("dev.kembed.engine.tensorrt"))
                .map(i -> i.from() + " imports " + i.imported()).toList();
        assertThat(wrong).isEmpty();
        assertThat(violations("dev.kembed.engine.queue", "dev.kembed.engine.onnxruntime")).isEmpty();
        assertThat(violations("dev.kembed.engine.queue", "dev.kembed.engine.tensorrt")).isEmpty();
        assertThat(violations("dev.kembed.engine.queue", "ai.djl")).isEmpty();
    }

    @Test
    void appHoldsNoBenchCode() throws IOException {
        List<String> benchy = new ArrayList<>();
        try (Stream<Path> files = Files.walk(MAIN.resolve("app"))) { // app.config too
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                String name = f.getFileName().toString();
                String src = Files.readString(f);
                if (name.startsWith("Bench") || src.contains("matmul ceiling") || src.contains("System.nanoTime() - t0")) {
                    benchy.add(name);
                }
            }
        }
        assertThat(benchy).as("bench code in app").isEmpty();
        // the one way from app to bench: the CLI registers the bench command
        assertThat(imports().stream().filter(i -> i.from().startsWith("dev.kembed.app.") && i.imported().startsWith("dev.kembed.bench"))
                .map(i -> i.from() + " imports " + i.imported()).toList())
                .containsExactly("dev.kembed.app.KembedCli.java imports dev.kembed.bench.BenchCommand");
        assertThat(violations("dev.kembed.stream", "dev.kembed.bench")).isEmpty();
    }

    /** The configuration's areas sit below the app that assembles them: app.config imports no app class. */
    @Test
    void theConfigAreasDoNotImportTheApp() throws IOException {
        assertThat(imports().stream().filter(i -> i.from().startsWith("dev.kembed.app.config."))
                .filter(i -> i.imported().matches("dev\\.kembed\\.app\\.[A-Z].*") || i.imported().startsWith("dev.kembed.bench"))
                .map(i -> i.from() + " imports " + i.imported()).toList()).isEmpty();
    }

    /** A command is wiring: when one command needs another's code, that code belongs in a support class. */
    @Test
    void noMainClassCallsAStaticMethodOfACommand() throws IOException {
        Pattern call = Pattern.compile("\\b([A-Z]\\w*Command)\\.([a-z]\\w*)\\s*\\(");
        List<String> calls = new ArrayList<>();
        try (Stream<Path> files = Files.walk(MAIN)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                Matcher m = call.matcher(Files.readString(f));
                while (m.find()) {
                    calls.add(MAIN.relativize(f) + ": " + m.group(1) + "." + m.group(2) + "(");
                }
            }
        }
        assertThat(calls).isEmpty();
    }

    /** The query API is a protocol layer: it embeds through embed and the engine queue, never through the stream, Kafka or the app. */
    @Test
    void theHttpLayerImportsNeitherStreamNorAppNorKafkaNorModel() throws IOException {
        for (String forbidden : List.of("dev.kembed.stream", "dev.kembed.app", "dev.kembed.bench", "dev.kembed.model", "org.apache.kafka")) {
            assertThat(violations("dev.kembed.http", forbidden)).as(forbidden).isEmpty();
        }
        for (String lower : List.of("dev.kembed.engine", "dev.kembed.text", "dev.kembed.embed", "dev.kembed.stream", "dev.kembed.model")) {
            assertThat(violations(lower, "dev.kembed.http")).as(lower).isEmpty();
        }
    }

    /** Every package the synchronous plan → run → pool path (and the query routes on it) reaches, transitively, and none of them imports Kafka. */
    @Test
    void synchronousEmbedPathReachesNoKafka() throws IOException {
        List<Import> all = imports();
        java.util.Set<String> packages = new java.util.TreeSet<>();
        java.util.ArrayDeque<String> todo = new java.util.ArrayDeque<>(List.of("dev.kembed.embed", "dev.kembed.http"));
        List<String> kafka = new ArrayList<>();
        while (!todo.isEmpty()) {
            String pkg = todo.poll();
            if (!packages.add(pkg)) {
                continue;
            }
            for (Import i : all) {
                if (!packageOf(i.from()).equals(pkg)) {
                    continue;
                }
                if (i.imported().startsWith("org.apache.kafka") || i.imported().startsWith("dev.kembed.stream")) {
                    kafka.add(i.from() + " imports " + i.imported());
                }
                // generated Avro classes (dev.kembed.avro) are not in the sources: they import no Kafka either
                all.stream().map(Import::from).map(ImportRulesTest::packageOf).filter(q -> i.imported().startsWith(q + "."))
                        .max(java.util.Comparator.comparingInt(String::length)).ifPresent(todo::add);
            }
        }
        assertThat(packages).as("the walk reached the engine and the window plan").contains("dev.kembed.engine", "dev.kembed.text");
        assertThat(kafka).isEmpty();
    }

    private static String packageOf(String file) {
        String noExt = file.substring(0, file.length() - ".java".length());
        return noExt.substring(0, noExt.lastIndexOf('.'));
    }

    @Test
    void onlyEngineAdaptersImportDjlInference() throws IOException {
        List<String> djl = imports().stream().filter(i -> i.imported().startsWith("ai.djl") || i.imported().startsWith("ai.onnxruntime"))
                .filter(i -> !i.from().startsWith("dev.kembed.engine.onnxruntime.") && !i.from().startsWith("dev.kembed.engine.tensorrt.")
                        && !i.from().startsWith("dev.kembed.engine.djl."))
                .filter(i -> !i.imported().startsWith("ai.djl.huggingface")) // the tokenizer lives in text
                .map(i -> i.from() + " imports " + i.imported()).toList();
        assertThat(djl).isEmpty();
    }

    /** The queue takes its shape buckets from the engine contract ({@code ShapeBuckets}), never from an engine adapter: not by import, not by full name. */
    @Test
    void theQueueImportsNoEngineAdapter() throws IOException {
        List<String> adapters = List.of("dev.kembed.engine.djl", "dev.kembed.engine.onnxruntime", "dev.kembed.engine.tensorrt", "dev.kembed.engine.gpu");
        for (String adapter : adapters) {
            assertThat(violations("dev.kembed.engine.queue", adapter)).as(adapter).isEmpty();
        }
        List<String> named = new ArrayList<>();
        try (Stream<Path> files = Files.list(MAIN.resolve("engine/queue"))) {
            for (Path f : files.toList()) {
                String src = Files.readString(f);
                adapters.stream().filter(a -> src.contains(a + ".")).forEach(a -> named.add(f.getFileName() + " names " + a));
            }
        }
        assertThat(named).isEmpty();
    }
}
