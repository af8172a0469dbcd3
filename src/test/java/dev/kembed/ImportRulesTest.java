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
 * The house rules, read from the sources: imports run one way, app → stream → {text, engine,
 * serde} → model; only engine adapters (engine.djl, engine.onnxruntime, engine.tensorrt) import DJL
 * and ONNX Runtime; engines never import Kafka.
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

    @Test
    void onlyEngineAdaptersImportDjlInference() throws IOException {
        List<String> djl = imports().stream().filter(i -> i.imported().startsWith("ai.djl") || i.imported().startsWith("ai.onnxruntime"))
                .filter(i -> !i.from().startsWith("dev.kembed.engine.onnxruntime.") && !i.from().startsWith("dev.kembed.engine.tensorrt.")
                        && !i.from().startsWith("dev.kembed.engine.djl."))
                .filter(i -> !i.imported().startsWith("ai.djl.huggingface")) // the tokenizer lives in text
                .map(i -> i.from() + " imports " + i.imported()).toList();
        assertThat(djl).isEmpty();
    }
}
