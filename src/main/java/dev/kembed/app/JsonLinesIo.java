package dev.kembed.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kembed.engine.EngineException;
import dev.kembed.text.BadInputException;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * JSON Lines in and out for the CLI: each input line {@code {"id": ..., "text": ...}}. A line that
 * cannot be used becomes an error record naming its line number, never a silent skip.
 */
final class JsonLinesIo implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();

    /** One input line: the parsed document, or why it could not be parsed. */
    record Line(long number, String id, String text, String error) {}

    private final BufferedReader in;
    private final Writer out;
    private long lineNumber;

    JsonLinesIo(String input, String output) throws IOException {
        var decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        this.in = new BufferedReader(new InputStreamReader(
                input.equals("-") ? System.in : Files.newInputStream(Path.of(input)), decoder));
        this.out = new BufferedWriter(new OutputStreamWriter(
                output.equals("-") ? System.out : Files.newOutputStream(Path.of(output)), StandardCharsets.UTF_8));
    }

    /** The next non-blank line, or null at the end. */
    Line next() throws IOException {
        String raw;
        try {
            do {
                raw = in.readLine();
                lineNumber++;
            } while (raw != null && raw.isBlank());
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new IOException("input line " + lineNumber + " is not valid UTF-8; fix the input file", e);
        }
        if (raw == null) {
            return null;
        }
        String fallbackId = "line-" + lineNumber;
        JsonNode node;
        try {
            node = JSON.readTree(raw);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return new Line(lineNumber, fallbackId, null, "invalid JSON: " + e.getOriginalMessage());
        }
        if (!node.isObject()) {
            return new Line(lineNumber, fallbackId, null, "expected a JSON object with \"text\"");
        }
        JsonNode idNode = node.get("id");
        String id = idNode == null || idNode.isNull() ? fallbackId : idNode.asText();
        JsonNode text = node.get("text");
        if (text == null || !text.isTextual()) {
            return new Line(lineNumber, id, null, "missing or non-string \"text\" field");
        }
        return new Line(lineNumber, id, text.asText(), null);
    }

    /** Turns one good line into its output record; may throw {@link BadInputException}. */
    interface LineHandler {
        ObjectNode handle(Line line);
    }

    /** A handler that writes any number of records for one input line (one per chunk). */
    interface LinesHandler {
        List<ObjectNode> handle(Line line);
    }

    /**
     * Runs every line through {@code handler}. A line that is not a usable document, or that the
     * handler rejects, becomes an error record naming its line number; the run goes on.
     *
     * @return how many lines failed
     */
    long forEach(LineHandler handler, Runnable afterEach) throws IOException {
        return forEachLines(line -> List.of(handler.handle(line)), afterEach);
    }

    /** {@link #forEach} where a line may give several records; a failed line gives one error record. */
    long forEachLines(LinesHandler handler, Runnable afterEach) throws IOException {
        long failed = 0;
        Line line;
        while ((line = next()) != null) {
            List<ObjectNode> results;
            if (line.error() != null) {
                results = List.of(error(line, "bad-record", line.error()));
            } else {
                try {
                    results = handler.handle(line);
                } catch (BadInputException e) {
                    results = List.of(error(line, e.reason(), e.getMessage()));
                } catch (EngineException e) {
                    results = List.of(error(line, "engine-error", e.getMessage()));
                }
            }
            if (results.stream().anyMatch(r -> r.has("error"))) {
                failed++;
            }
            results.forEach(this::write);
            afterEach.run();
        }
        return failed;
    }

    /** Turns a block of good lines into one record each, in order; a line's own failure is its error record. */
    interface BlockHandler {
        List<ObjectNode> handle(List<Line> lines);
    }

    /**
     * {@link #forEach} a block at a time: up to {@code maxLines} lines or {@code maxChars} characters
     * of text go to {@code handler} together (their windows share engine calls), and come out in
     * input order. {@code afterEach} runs once per line.
     *
     * @return how many lines failed
     */
    long forEachBlock(int maxLines, long maxChars, BlockHandler handler, Runnable afterEach) throws IOException {
        long failed = 0;
        Line line = next();
        while (line != null) {
            List<Line> block = new ArrayList<>();
            long chars = 0;
            while (line != null && block.size() < maxLines && (block.isEmpty() || chars + textLength(line) <= maxChars)) {
                block.add(line);
                chars += textLength(line);
                line = next();
            }
            List<Line> good = block.stream().filter(l -> l.error() == null).toList();
            Iterator<ObjectNode> results = handler.handle(good).iterator();
            for (Line l : block) {
                ObjectNode r = l.error() != null ? error(l, "bad-record", l.error()) : results.next();
                failed += r.has("error") ? 1 : 0;
                write(r);
                afterEach.run();
            }
        }
        return failed;
    }

    private static long textLength(Line line) {
        return line.text() == null ? 0 : line.text().length();
    }

    void write(ObjectNode record) {
        try {
            out.write(JSON.writeValueAsString(record));
            out.write('\n');
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    ObjectNode error(Line line, String reason, String message) {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", line.id()).put("line", line.number()).put("error", reason).put("message", message);
        return o;
    }

    @Override
    public void close() throws IOException {
        out.flush();
        in.close();
    }
}
