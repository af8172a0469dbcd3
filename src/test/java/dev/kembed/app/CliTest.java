package dev.kembed.app;

import dev.kembed.cli.KembedCli;
import dev.kembed.engine.Precision;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kembed.model.arch.Checkpoint;
import dev.kembed.engine.EngineWindow;
import dev.kembed.engine.djl.DjlModelRunner;
import dev.kembed.engine.onnxruntime.OnnxRuntimeEngine;
import dev.kembed.engine.djl.PaddedBatch;
import dev.kembed.engine.WindowBatch;
import dev.kembed.engine.djl.GraphCall;
import dev.kembed.engine.WindowResult;
import dev.kembed.testing.Captured;
import dev.kembed.testing.Paragraphs;
import dev.kembed.testing.TestModels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CliTest {
    @TempDir
    static Path tmp;

    static final ObjectMapper JSON = new ObjectMapper();

    static List<JsonNode> readJsonLines(Path file) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            out.add(JSON.readTree(line));
        }
        return out;
    }

    @Test
    void embedWritesOneRecordPerLineAndErrorsNameTheLine() throws Exception {
        Path model = TestModels.tiny(tmp.resolve("tiny"));
        Path in = tmp.resolve("in.jsonl");
        Files.writeString(in, String.join("\n",
                "{\"id\": \"a\", \"text\": \"The river rose slowly through the night.\"}",
                "{\"id\": \"b\", \"text\": \"\"}",
                "this is not json",
                "{\"id\": 7, \"text\": \"" + TestModels.longText(6000).replace("\n", "\\n") + "\"}",
                "{\"id\": \"c\"}",
                "",
                "{\"text\": \"no id here\"}") + "\n", StandardCharsets.UTF_8);
        Path out = tmp.resolve("out.jsonl");
        int rc = KembedCli.execute("embed", "--model", model.toString(), "--input", in.toString(), "--output", out.toString(),
                "--overlap", "64", "--normalize", "--threads", "1");
        assertThat(rc).as("exit code 3 = some lines failed").isEqualTo(3);
        List<JsonNode> rows = readJsonLines(out);
        assertThat(rows).hasSize(6);
        assertThat(rows.get(0).get("id").asText()).isEqualTo("a");
        assertThat(rows.get(0).get("dim").asInt()).isEqualTo(32);
        assertThat(rows.get(0).get("windows").asInt()).isEqualTo(1);
        double norm = 0;
        for (JsonNode v : rows.get(0).get("embedding")) {
            norm += v.asDouble() * v.asDouble();
        }
        assertThat(norm).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
        assertThat(rows.get(1).get("error").asText()).isEqualTo("empty-text");
        assertThat(rows.get(1).get("line").asInt()).isEqualTo(2);
        assertThat(rows.get(2).get("error").asText()).isEqualTo("bad-record");
        assertThat(rows.get(2).get("line").asInt()).isEqualTo(3);
        assertThat(rows.get(3).get("id").asText()).isEqualTo("7");
        assertThat(rows.get(3).get("windows").asInt()).isGreaterThan(1);
        assertThat(rows.get(4).get("message").asText()).contains("\"text\"");
        assertThat(rows.get(5).get("id").asText()).isEqualTo("line-7");
    }

    @Test
    void tokenizeShowsWindowsAndSpans() throws Exception {
        Path model = TestModels.tiny(tmp.resolve("tiny"));
        Path in = tmp.resolve("tok.jsonl");
        String text = "Zürich 😀 and São Paulo are cities with cafés.";
        Files.writeString(in, JSON.writeValueAsString(Map.of("id", "x", "text", text)) + "\n");
        Path out = tmp.resolve("tok-out.jsonl");
        assertThat(KembedCli.execute("tokenize", "--model", model.toString(), "--input", in.toString(), "--output", out.toString(),
                "--max-tokens", "12", "--overlap", "3")).isZero();
        JsonNode row = readJsonLines(out).get(0);
        int tokens = row.get("tokens").asInt();
        assertThat(row.get("ids")).hasSize(tokens);
        JsonNode windows = row.get("windows");
        assertThat(windows.size()).isEqualTo(1 + (tokens - 10 + 6) / 7);
        JsonNode last = windows.get(windows.size() - 1);
        assertThat(last.get("char_end").asInt()).isEqualTo(text.length());
        int owned = 0;
        for (JsonNode w : windows) {
            owned += w.get("owned_tokens").asInt();
            assertThat(w.get("length").asInt()).isLessThanOrEqualTo(12);
        }
        assertThat(owned).isEqualTo(tokens);
        JsonNode chunks = row.get("chunks");
        assertThat(chunks.size()).as("default chunks of 256 tokens: one for this short text").isEqualTo(1);
        assertThat(chunks.get(0).get("chunk_id").asText()).isEqualTo("x#0");
        assertThat(chunks.get(0).get("token_count").asInt()).isEqualTo(tokens);
        assertThat(chunks.get(0).get("text").asText()).isEqualTo(text);

        Path small = tmp.resolve("tok-chunks.jsonl");
        assertThat(KembedCli.execute("tokenize", "--model", model.toString(), "--input", in.toString(), "--output", small.toString(),
                "--chunk-tokens", "4")).isZero();
        JsonNode rows = readJsonLines(small).get(0).get("chunks");
        int next = 0;
        for (JsonNode c : rows) {
            assertThat(c.get("token_start").asInt()).isEqualTo(next);
            assertThat(c.get("token_count").asInt()).isBetween(1, 4);
            assertThat(c.get("text").asText()).isEqualTo(text.substring(c.get("char_start").asInt(), c.get("char_end").asInt()));
            next = c.get("token_end").asInt();
        }
        assertThat(next).isEqualTo(tokens);
        assertThat(KembedCli.execute("tokenize", "--model", model.toString(), "--input", in.toString(), "--output", small.toString(),
                "--chunk-tokens", "-1")).isEqualTo(2);
    }

    @Test
    void embedChunksWritesOneLatelyPooledLinePerChunk() throws Exception {
        Path model = TestModels.tiny(tmp.resolve("tiny"));
        String text = String.join("\n\n", Paragraphs.of(10, 4));
        Path in = tmp.resolve("chunks.jsonl");
        Files.writeString(in, JSON.writeValueAsString(Map.of("id", "doc", "text", text)) + "\n"
                + JSON.writeValueAsString(Map.of("id", "short", "text", "One short line.")) + "\n");
        Path out = tmp.resolve("chunks-out.jsonl");
        assertThat(KembedCli.execute("embed", "--model", model.toString(), "--input", in.toString(), "--output", out.toString(),
                "--max-tokens", "64", "--overlap", "16", "--chunks", "--chunk-tokens", "24", "--normalize")).isZero();
        List<JsonNode> rows = readJsonLines(out);
        List<JsonNode> doc = rows.stream().filter(r -> r.get("id").asText().equals("doc")).toList();
        assertThat(doc).hasSizeGreaterThan(4);
        int next = 0;
        for (int i = 0; i < doc.size(); i++) {
            JsonNode c = doc.get(i);
            assertThat(c.get("chunk_id").asText()).isEqualTo("doc#" + i);
            assertThat(c.get("point_id").asText()).isEqualTo(java.util.UUID.nameUUIDFromBytes(("doc#" + i).getBytes(StandardCharsets.UTF_8)).toString());
            assertThat(c.get("chunk_count").asInt()).isEqualTo(doc.size());
            assertThat(c.get("token_start").asInt()).isEqualTo(next);
            assertThat(c.get("token_count").asInt()).isBetween(1, 24);
            assertThat(c.get("text").asText()).isEqualTo(text.substring(c.get("char_start").asInt(), c.get("char_end").asInt()));
            double norm = 0;
            for (JsonNode v : c.get("embedding")) {
                norm += v.asDouble() * v.asDouble();
            }
            assertThat(c.get("embedding")).hasSize(c.get("dim").asInt());
            assertThat(Math.sqrt(norm)).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
            next = c.get("token_end").asInt();
        }
        List<JsonNode> shortDoc = rows.stream().filter(r -> r.get("id").asText().equals("short")).toList();
        assertThat(shortDoc).hasSize(1);
        assertThat(shortDoc.get(0).get("text").asText()).isEqualTo("One short line.");

        Path perWindow = tmp.resolve("chunks-per-window.jsonl");
        assertThat(KembedCli.execute("embed", "--model", model.toString(), "--input", in.toString(), "--output", perWindow.toString(),
                "--max-tokens", "64", "--overlap", "16", "--chunks", "--chunk-tokens", "0")).isZero();
        Path tok = tmp.resolve("chunks-tok.jsonl");
        assertThat(KembedCli.execute("tokenize", "--model", model.toString(), "--input", in.toString(), "--output", tok.toString(),
                "--max-tokens", "64", "--overlap", "16")).isZero();
        int windowCount = readJsonLines(tok).get(0).get("windows").size();
        assertThat(readJsonLines(perWindow).stream().filter(r -> r.get("id").asText().equals("doc"))).hasSize(windowCount);

        assertThat(KembedCli.execute("embed", "--model", model.toString(), "--input", in.toString(), "--output", perWindow.toString(),
                "--chunks", "--pooling", "cls")).as("cls pooling of chunks is refused").isEqualTo(2);

        // chunk context: each chunk's vector is what embed gives for the chunk's text alone
        Path isolated = tmp.resolve("chunks-isolated.jsonl");
        assertThat(KembedCli.execute("embed", "--model", model.toString(), "--input", in.toString(), "--output", isolated.toString(),
                "--max-tokens", "64", "--overlap", "16", "--chunks", "--chunk-tokens", "24", "--chunk-context", "chunk", "--normalize")).isZero();
        JsonNode third = readJsonLines(isolated).get(2);
        Path alone = tmp.resolve("chunk-alone.jsonl");
        Files.writeString(alone, JSON.writeValueAsString(Map.of("id", "c", "text", third.get("text").asText())) + "\n");
        Path aloneOut = tmp.resolve("chunk-alone-out.jsonl");
        assertThat(KembedCli.execute("embed", "--model", model.toString(), "--input", alone.toString(), "--output", aloneOut.toString(),
                "--max-tokens", "64", "--overlap", "16", "--normalize")).isZero();
        JsonNode want = readJsonLines(aloneOut).get(0).get("embedding");
        for (int d = 0; d < want.size(); d++) {
            assertThat(third.get("embedding").get(d).asDouble()).isCloseTo(want.get(d).asDouble(), org.assertj.core.data.Offset.offset(1e-6));
        }
        assertThat(third.get("embedding").get(0).asDouble()).as("late chunking reads the chunk in its window: another vector")
                .isNotCloseTo(doc.get(2).get("embedding").get(0).asDouble(), org.assertj.core.data.Offset.offset(1e-7));
        assertThat(KembedCli.execute("embed", "--model", model.toString(), "--input", in.toString(), "--output", isolated.toString(),
                "--chunks", "--chunk-context", "sentence")).isEqualTo(2);
    }

    @Test
    void compiledInt8GraphIsWhatTheInt8EngineRuns() throws Exception {
        Path model = TestModels.tiny(tmp.resolve("tiny"));
        Path out = tmp.resolve("compiled-int8");
        assertThat(KembedCli.execute("model", "compile", "--model", model.toString(), "--out", out.toString(), "--precision", "int8")).isZero();
        int len = 48;
        int[] ids = new int[len];
        int[] ones = new int[len];
        int[] gm = new int[len];
        for (int t = 0; t < len; t++) {
            ids[t] = 5 + (t * 13) % 300;
            ones[t] = 1;
        }
        gm[0] = 1;
        Map<String, DjlModelRunner.Output> got;
        try (DjlModelRunner r = DjlModelRunner.load(out.resolve("model-int8.onnx"), 1, 1)) {
            got = r.run(List.of(new DjlModelRunner.Input("input_ids", ids, 1, len), new DjlModelRunner.Input("attention_mask", ones, 1, len),
                    new DjlModelRunner.Input("global_attention_mask", gm, 1, len), new DjlModelRunner.Input("pool_mask", ones, 1, len)));
        }
        try (OnnxRuntimeEngine int8 = new OnnxRuntimeEngine(Checkpoint.load(model), "tiny", 1, 1, true, Precision.INT8);
                OnnxRuntimeEngine fp32 = new OnnxRuntimeEngine(Checkpoint.load(model), "tiny", 1, 1, true, Precision.FP32)) {
            EngineWindow w = new EngineWindow(ids, gm, ones);
            WindowResult want = int8.embed(WindowBatch.of(List.of(w))).windows().get(0);
            WindowResult full = fp32.embed(WindowBatch.of(List.of(w))).windows().get(0);
            double diffFromFp32 = 0;
            for (int c = 0; c < 32; c++) {
                assertThat(got.get("cls").data()[c]).isCloseTo(want.cls()[c], org.assertj.core.data.Offset.offset(1e-6f));
                diffFromFp32 = Math.max(diffFromFp32, Math.abs(want.cls()[c] - full.cls()[c]));
            }
            assertThat(diffFromFp32).as("int8 is not fp32 under another name").isGreaterThan(1e-6);
        }
        Captured fp16 = Captured.run("model", "compile", "--model", model.toString(), "--out", out.toString(), "--precision", "fp16");
        assertThat(fp16.exitCode()).isEqualTo(2);
        assertThat(fp16.stderr()).contains("--precision=fp16").contains("allowed here: fp32, int8");
    }

    @Test
    void staticCompiledGraphAgreesWithTheDynamicEngine() throws Exception {
        Path model = TestModels.tiny(tmp.resolve("tiny"));
        Path out = tmp.resolve("compiled");
        assertThat(KembedCli.execute("model", "compile", "--model", model.toString(), "--out", out.toString(),
                "--buckets", "64,128", "--static-batch", "2")).isZero();
        assertThat(out.resolve("model-b2-l64.onnx")).exists();
        assertThat(out.resolve("model-b2-l128.onnx")).exists();
        List<EngineWindow> ws = new ArrayList<>();
        for (int b = 0; b < 2; b++) {
            int real = b == 0 ? 64 : 40;
            int[] wi = new int[real];
            int[] wg = new int[real];
            int[] wp = new int[real];
            for (int t = 0; t < real; t++) {
                wi[t] = 5 + (t * 7 + b) % 200;
                wp[t] = t > 0 && t < real - 1 ? 1 : 0;
            }
            wg[0] = 1;
            ws.add(new EngineWindow(wi, wg, wp));
        }
        try (OnnxRuntimeEngine engine = new OnnxRuntimeEngine(Checkpoint.load(model), "tiny", 1, 1, true, Precision.FP32);
                DjlModelRunner r = DjlModelRunner.load(out.resolve("model-b2-l64.onnx"), 1, 1)) {
            List<WindowResult> got = GraphCall.run(r, PaddedBatch.of(ws, 2, 64, engine.info()), engine.info(), true, false, ws).windows();
            List<WindowResult> want = engine.embed(WindowBatch.of(ws)).windows();
            for (int b = 0; b < 2; b++) {
                for (int c = 0; c < 32; c++) {
                    assertThat(got.get(b).cls()[c]).isCloseTo(want.get(b).cls()[c], org.assertj.core.data.Offset.offset(1e-5f));
                    assertThat(got.get(b).sum()[c]).isCloseTo(want.get(b).sum()[c], org.assertj.core.data.Offset.offset(1e-4f));
                }
                assertThat(got.get(b).count()).isEqualTo(want.get(b).count());
            }
        }
        Captured int8Static = Captured.run("model", "compile", "--model", model.toString(), "--out", out.toString(), "--buckets", "64",
                "--static-batch", "2", "--precision", "int8");
        assertThat(int8Static.exitCode()).isEqualTo(2);
        assertThat(int8Static.stderr()).contains("--precision=int8 with --buckets");
    }

    @Test
    void userErrorsGiveMessagesNotStackTraces() {
        Captured preset = Captured.run("model", "random", "--preset", "huge", "--out", tmp.resolve("x").toString());
        assertThat(preset.exitCode()).isEqualTo(2);
        assertThat(preset.stderr()).contains("kembed: --preset: 'huge' is not a preset; allowed: tiny, base").doesNotContain("\tat ");
        Captured missing = Captured.run("embed", "--model", tmp.resolve("nope").toString(), "--input", "-");
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.stderr()).contains("nope").contains("does not exist");
        Path model = TestModels.tiny(tmp.resolve("tiny"));
        Captured pooling = Captured.run("embed", "--model", model.toString(), "--pooling", "max");
        assertThat(pooling.exitCode()).isEqualTo(2);
        assertThat(pooling.stderr()).contains("--pooling").contains("max");
        Captured engine = Captured.run("embed", "--model", model.toString(), "--engine", "tensorrt-someday");
        assertThat(engine.exitCode()).isEqualTo(2);
        assertThat(engine.stderr()).contains("--engine=tensorrt-someday is not an engine; allowed: auto");
        Captured precision = Captured.run("embed", "--model", model.toString(), "--engine", "onnxruntime-cpu", "--precision", "fp16");
        assertThat(precision.exitCode()).isEqualTo(2);
        assertThat(precision.stderr()).contains("precision fp16 is not supported by onnxruntime-cpu; it runs: fp32, int8");
        Captured auto = Captured.run("embed", "--model", model.toString(), "--precision", "fp16");
        assertThat(auto.stderr()).contains("--engine=auto: no engine here runs precision fp16 (tensorrt: ")
                .contains("onnxruntime-cpu: does not run fp16; it runs fp32, int8)");
        Captured unknown = Captured.run("embed", "--model", model.toString(), "--precision", "int4");
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.stderr()).contains("--precision: 'int4' is not allowed; allowed: fp32, fp16, int8");
    }

    @Test
    void eachCommandShowsOnlyTheOptionsItUses() {
        Captured tokenize = Captured.run("tokenize", "--help");
        assertThat(tokenize.exitCode()).isZero();
        assertThat(KembedCliHelp.of("tokenize")).contains("--model", "--max-tokens", "--overlap", "--input")
                .doesNotContain("--pooling", "--normalize", "--threads", "--batch-tokens", "--engine");
        assertThat(KembedCliHelp.of("embed")).contains("--model", "--engine", "--precision", "--pooling", "--normalize", "--batch-tokens");
    }
}
