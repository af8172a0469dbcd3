package dev.kembed;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The house rules, read from the sources: imports run one way, cli → app (and bench beside it) → stream →
 * text → engine → model (serde beside text); no package cycle; only engine adapters (engine.djl,
 * engine.onnxruntime, engine.tensorrt) import DJL and ONNX Runtime; engines never import Kafka; the synchronous
 * embed path reaches no Kafka class; commands are wiring, never libraries. A fully-qualified name written in code
 * counts as an import for every rule, and main code writes none to a dev.kembed class.
 */
class ImportRulesTest {
    static final Path MAIN = Path.of("src/main/java/dev/kembed");
    static final Pattern IMPORT = Pattern.compile("^import (?:static )?([\\w.]+)", Pattern.MULTILINE);
    /** A dotted name in code through two or more lower-case packages to a type: {@code java.util.Arrays}, {@code dev.kembed.x.Y}. */
    static final Pattern QUALIFIED = Pattern.compile("(?<![\\w.$])(?:[a-z_]\\w*\\.){2,}[A-Z]\\w*");
    static final Pattern PACKAGE_OR_IMPORT = Pattern.compile("^\\s*(?:package|import)\\s[^;]*;", Pattern.MULTILINE);

    /** Where {@code imported} came from: an import line, or a fully-qualified name written in code. */
    record Import(String from, String imported, boolean qualified) {}

    static List<Import> imports() throws IOException {
        List<Import> out = new ArrayList<>();
        try (Stream<Path> files = Files.walk(MAIN)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).sorted().toList()) {
                String pkg = "dev.kembed." + MAIN.relativize(f.getParent()).toString().replace('/', '.');
                String from = pkg + "." + f.getFileName();
                String src = Files.readString(f);
                Matcher m = IMPORT.matcher(src);
                while (m.find()) {
                    out.add(new Import(from, m.group(1), false));
                }
                for (String name : qualifiedNames(src)) {
                    out.add(new Import(from, name, true));
                }
            }
        }
        return out;
    }

    /** The fully-qualified names written in code: comments, string and char literals and the package and import lines left out. */
    static List<String> qualifiedNames(String source) {
        String code = PACKAGE_OR_IMPORT.matcher(JavaCode.withoutCommentsAndLiterals(source)).replaceAll("");
        List<String> names = new ArrayList<>();
        Matcher q = QUALIFIED.matcher(code);
        while (q.find()) {
            names.add(q.group());
        }
        return names;
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

    /** The CLI root registers app's and bench's commands; bench builds on app, so app may not reach bench. */
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
        assertThat(violations("dev.kembed.app", "dev.kembed.bench")).isEmpty();
        assertThat(violations("dev.kembed.stream", "dev.kembed.bench")).isEmpty();
    }

    /** The configuration's areas sit below the app that assembles them: app.config imports no app class. */
    @Test
    void theConfigAreasDoNotImportTheApp() throws IOException {
        assertThat(imports().stream().filter(i -> i.from().startsWith("dev.kembed.app.config."))
                .filter(i -> i.imported().matches("dev\\.kembed\\.app\\.[A-Z].*") || i.imported().startsWith("dev.kembed.bench"))
                .map(i -> i.from() + " imports " + i.imported()).toList()).isEmpty();
    }

    /** The CLI root is the top: it imports app and bench, and nothing imports it. */
    @Test
    void nothingImportsTheCliRoot() throws IOException {
        List<String> wrong = imports().stream().filter(i -> !packageOf(i.from()).equals("dev.kembed.cli"))
                .filter(i -> i.imported().startsWith("dev.kembed.cli."))
                .map(i -> i.from() + " imports " + i.imported()).toList();
        assertThat(wrong).isEmpty();
        assertThat(violations("dev.kembed.cli", "dev.kembed.bench")).as("the CLI registers the bench command").isNotEmpty();
    }

    /** The package graph (an edge per import or qualified name) has no cycle; a failure names each cycle found. */
    @Test
    void noPackageCycle() throws IOException {
        assertThat(cycles(packageGraph(imports()))).isEmpty();
    }

    @Test
    void theCycleFinderNamesACycle() {
        Map<String, Set<String>> graph = new TreeMap<>(Map.of("a", Set.of("b"), "b", Set.of("c"), "c", Set.of("a"), "d", Set.of("a")));
        assertThat(cycles(graph)).containsExactly("a -> b -> c -> a");
        assertThat(cycles(new TreeMap<>(Map.of("a", Set.of("b"), "b", Set.of())))).isEmpty();
    }

    /**
     * Text sits above engine: a window plan turns a document into the engine contract's input, so text imports the
     * contract package {@code dev.kembed.engine} (EngineInfo, EngineWindow, TokenIds) and no engine subpackage, and
     * engine never imports text. Chosen over moving EngineWindow construction out of text because that is less
     * churn: WindowPlan's public methods take EngineInfo and return EngineWindow, and the stream, kembed embed and
     * the query API all call them; this way they keep their signatures.
     */
    @Test
    void textImportsOnlyTheEngineContract() throws IOException {
        List<String> wrong = imports().stream().filter(i -> i.from().startsWith("dev.kembed.text."))
                .filter(i -> i.imported().startsWith("dev.kembed.engine."))
                .filter(i -> !packageOfName(i.imported()).equals("dev.kembed.engine"))
                .map(i -> i.from() + " imports " + i.imported()).toList();
        assertThat(wrong).isEmpty();
        assertThat(violations("dev.kembed.engine", "dev.kembed.text")).isEmpty();
    }

    /** A dev.kembed class is named by an import, never written out in code, so the import rules see every dependency. */
    @Test
    void noMainClassWritesAQualifiedKembedName() throws IOException {
        List<String> written = imports().stream().filter(Import::qualified).filter(i -> i.imported().startsWith("dev.kembed."))
                .map(i -> relative(i.from()) + " writes " + i.imported()).toList();
        assertThat(written).isEmpty();
    }

    @Test
    void qualifiedNamesAreReadFromCodeOnly() {
        String src = """
                package dev.kembed.x;

                import dev.kembed.text.Chunk;
                import static dev.kembed.text.Chunk.key;

                /** See {@link dev.kembed.text.WindowPlan}. */
                class Y {
                    // dev.kembed.engine.EngineInfo in a line comment
                    String s = "dev.kembed.app.KembedCli \\" dev.kembed.app.Quoted";
                    char c = '"';
                    String block = \"""
                            dev.kembed.app.InATextBlock
                            \""";
                    dev.kembed.model.checkpoint.ModelConfig config = null;
                    int n = java.util.Arrays.stream(new int[0]).sum() + y.size();
                }
                """;
        assertThat(qualifiedNames(src)).containsExactly("dev.kembed.model.checkpoint.ModelConfig", "java.util.Arrays");
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
        Set<String> packages = new TreeSet<>();
        ArrayDeque<String> todo = new ArrayDeque<>(List.of("dev.kembed.embed", "dev.kembed.http"));
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
                        .max(Comparator.comparingInt(String::length)).ifPresent(todo::add);
            }
        }
        assertThat(packages).as("the walk reached the engine and the window plan").contains("dev.kembed.engine", "dev.kembed.text");
        assertThat(kafka).isEmpty();
    }

    private static String packageOf(String file) {
        String noExt = file.substring(0, file.length() - ".java".length());
        return noExt.substring(0, noExt.lastIndexOf('.'));
    }

    /** The package of an imported name: its leading lower-case segments ({@code a.b.C.D.e} → {@code a.b}). */
    private static String packageOfName(String name) {
        List<String> segments = new ArrayList<>();
        for (String s : name.split("\\.")) {
            if (!Character.isLowerCase(s.charAt(0))) {
                break;
            }
            segments.add(s);
        }
        return String.join(".", segments);
    }

    private static String relative(String file) {
        String noExt = file.substring("dev.kembed.".length(), file.length() - ".java".length());
        return noExt.replace('.', '/') + ".java";
    }

    /** Package → the dev.kembed packages it imports (the longest source package an imported name starts with). */
    static Map<String, Set<String>> packageGraph(List<Import> imports) {
        Set<String> packages = new TreeSet<>();
        imports.forEach(i -> packages.add(packageOf(i.from())));
        Map<String, Set<String>> graph = new TreeMap<>();
        packages.forEach(p -> graph.put(p, new TreeSet<>()));
        for (Import i : imports) {
            String from = packageOf(i.from());
            packages.stream().filter(p -> i.imported().startsWith(p + ".")).max(Comparator.comparingInt(String::length))
                    .filter(to -> !to.equals(from)).ifPresent(to -> graph.get(from).add(to));
        }
        return graph;
    }

    /** Each cycle once, as "a -> b -> a", found by a shortest walk from each package back to itself. */
    static List<String> cycles(Map<String, Set<String>> graph) {
        Map<Set<String>, String> found = new LinkedHashMap<>();
        for (String start : graph.keySet()) {
            Map<String, String> cameFrom = new LinkedHashMap<>();
            ArrayDeque<String> todo = new ArrayDeque<>(List.of(start));
            while (!todo.isEmpty()) {
                String at = todo.poll();
                for (String next : graph.getOrDefault(at, Set.of())) {
                    if (next.equals(start)) {
                        List<String> path = new ArrayList<>(List.of(start));
                        for (String p = at; !p.equals(start); p = cameFrom.get(p)) {
                            path.add(1, p);
                        }
                        path.add(start);
                        found.putIfAbsent(new TreeSet<>(path), String.join(" -> ", path));
                        todo.clear();
                        break;
                    }
                    if (!cameFrom.containsKey(next) && !next.equals(start)) {
                        cameFrom.put(next, at);
                        todo.add(next);
                    }
                }
            }
        }
        return new ArrayList<>(found.values());
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
