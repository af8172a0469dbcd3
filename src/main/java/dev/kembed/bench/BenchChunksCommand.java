package dev.kembed.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kembed.app.DemoDocuments;
import dev.kembed.app.EngineOptions;
import dev.kembed.app.KembedModel;
import dev.kembed.embed.DirectEmbedder;
import dev.kembed.model.arch.ModelConfig;
import dev.kembed.text.Chunk;
import dev.kembed.text.ChunkContext;
import dev.kembed.text.Chunker;
import dev.kembed.text.EmbeddingSettings;
import dev.kembed.text.GlobalAttention;
import dev.kembed.text.LateChunks;
import dev.kembed.text.Pooling;
import dev.kembed.text.WindowPlan;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * What late chunking costs and what it buys, on the bundled demo documents: engine time of each
 * document without chunks, with late chunks (chunk slots pooled in the graph) and with each chunk
 * also run alone, interleaved per document; then recall@1/@5 of committed queries, each answered
 * by one passage, over late chunks, isolated chunks and whole-document vectors. No threshold: it
 * reports what it measures, also where late chunking loses.
 */
@Command(name = "chunks", mixinStandardHelpOptions = true,
        description = {"Late chunking on the demo documents: engine time without chunks, with late chunks and with chunks run alone,",
                "and recall@1/@5 of the committed queries (kembed/bench/retrieval-queries.jsonl) for late chunks, isolated chunks",
                "and whole documents."})
final class BenchChunksCommand implements Callable<Integer> {
    static final String QUERIES = "/kembed/bench/retrieval-queries.jsonl";

    @picocli.CommandLine.Mixin
    EngineOptions engine;

    @Option(names = "--chunk-tokens", defaultValue = "256", description = "Chunk size in content tokens. Default: ${DEFAULT-VALUE}")
    int chunkTokens;

    @Option(names = "--rounds", defaultValue = "2", description = "Timed rounds over all documents (after one warm-up document). Default: ${DEFAULT-VALUE}")
    int rounds;

    /** A query and the one passage that answers it: the chunk of {@code doc} holding {@code answer}'s first character. */
    record Query(String text, String doc, String answer) {}

    /** A candidate for retrieval: a chunk (or a whole document, with a null chunk) and its vector. */
    record Candidate(String doc, Chunk chunk, float[] vector) {}

    @Override
    public Integer call() throws IOException {
        BenchSupport.printCpu();
        List<JsonNode> docs = DemoDocuments.load();
        List<Query> queries = queries();
        int window = ModelConfig.read(engine.model()).maxTokens();
        int slots = LateChunks.slotsForWindows(window, chunkTokens);
        EmbeddingSettings settings = new EmbeddingSettings(Pooling.MEAN, GlobalAttention.NONE, true, 0, 0);
        System.out.printf("# kembed bench chunks  model=%s  engine=%s  threads=%s  window=%d  chunk-tokens=%d  slots=%d  documents=%d  queries=%d%n",
                engine.model(), engine.engineName(), engine.threads() == 0 ? "all" : engine.threads(), window, chunkTokens, slots, docs.size(),
                queries.size());
        Chunker chunker = new Chunker(chunkTokens);
        try (KembedModel plainModel = engine.open(false); KembedModel lateModel = engine.open(false, slots)) {
            DirectEmbedder plain = new DirectEmbedder(plainModel.plan(settings, WindowPlan.SettingNames.CLI), plainModel.engine(), window);
            DirectEmbedder late = new DirectEmbedder(lateModel.plan(settings, WindowPlan.SettingNames.CLI), lateModel.engine(), window);
            String warm = docs.get(0).get("text").asText();
            plain.embed(warm);
            late.embedChunks(warm, chunker);
            double[] seconds = new double[3]; // document only, late chunks, chunks alone
            List<Candidate> documents = new ArrayList<>();
            List<Candidate> lateChunks = new ArrayList<>();
            List<Candidate> aloneChunks = new ArrayList<>();
            long tokens = 0;
            for (int round = 0; round < rounds; round++) {
                for (JsonNode d : docs) {
                    String id = d.get("id").asText();
                    String text = d.get("text").asText();
                    long t0 = System.nanoTime();
                    DirectEmbedder.ChunkedDocument doc = new DirectEmbedder.ChunkedDocument(plain.embed(text), List.of(), List.of());
                    long t1 = System.nanoTime();
                    DirectEmbedder.ChunkedDocument withLate = late.embedChunks(text, chunker, ChunkContext.WINDOW);
                    long t2 = System.nanoTime();
                    DirectEmbedder.ChunkedDocument alone = plain.embedChunks(text, chunker, ChunkContext.CHUNK);
                    long t3 = System.nanoTime();
                    seconds[0] += (t1 - t0) / 1e9;
                    seconds[1] += (t2 - t1) / 1e9;
                    seconds[2] += (t3 - t2) / 1e9;
                    if (round == 0) {
                        tokens += doc.document().tokens();
                        documents.add(new Candidate(id, null, doc.document().vector()));
                        for (int i = 0; i < withLate.chunks().size(); i++) {
                            lateChunks.add(new Candidate(id, withLate.chunks().get(i), withLate.vectors().get(i)));
                            aloneChunks.add(new Candidate(id, alone.chunks().get(i), alone.vectors().get(i)));
                        }
                    }
                }
            }
            System.out.printf("%n## engine time per pass over the %d documents (%d tokens, %d chunks), mean of %d rounds%n", docs.size(), tokens,
                    lateChunks.size(), rounds);
            System.out.println("| mode | seconds | vs document only |");
            System.out.println("|---|---|---|");
            String[] modes = {"document only (no chunk slots)", "document + late chunks (context window)", "document + chunks alone (context chunk)"};
            for (int m = 0; m < 3; m++) {
                System.out.printf("| %s | %.2f | %.3f |%n", modes[m], seconds[m] / rounds, seconds[m] / seconds[0]);
            }
            List<float[]> q = new ArrayList<>();
            for (Query query : queries) {
                q.add(plain.embed(query.text()).vector());
            }
            System.out.printf("%n## retrieval: %d queries, each answered by one passage; recall@k = share of queries whose passage ranks in the top k%n",
                    queries.size());
            System.out.println("| candidates | count | recall@1 | recall@5 |");
            System.out.println("|---|---|---|---|");
            report("late chunks (context window)", lateChunks, queries, q, docs);
            report("isolated chunks (context chunk)", aloneChunks, queries, q, docs);
            report("whole documents (a hit = the right document)", documents, queries, q, docs);
        }
        return 0;
    }

    private static void report(String name, List<Candidate> candidates, List<Query> queries, List<float[]> vectors, List<JsonNode> docs) {
        int at1 = 0;
        int at5 = 0;
        for (int i = 0; i < queries.size(); i++) {
            float[] q = vectors.get(i);
            Query query = queries.get(i);
            int answerAt = answerOffset(query, docs);
            List<Candidate> ranked = new ArrayList<>(candidates);
            ranked.sort(Comparator.comparingDouble((Candidate c) -> -dot(q, c.vector())));
            for (int r = 0; r < Math.min(5, ranked.size()); r++) {
                Candidate c = ranked.get(r);
                boolean hit = c.doc().equals(query.doc())
                        && (c.chunk() == null || (c.chunk().charStart() <= answerAt && answerAt < c.chunk().charEnd()));
                if (hit) {
                    at1 += r == 0 ? 1 : 0;
                    at5++;
                    break;
                }
            }
        }
        System.out.printf("| %s | %d | %.2f | %.2f |%n", name, candidates.size(), at1 / (double) queries.size(), at5 / (double) queries.size());
    }

    private static int answerOffset(Query q, List<JsonNode> docs) {
        for (JsonNode d : docs) {
            if (d.get("id").asText().equals(q.doc())) {
                return d.get("text").asText().indexOf(q.answer());
            }
        }
        throw new IllegalStateException("query '" + q.text() + "' names document " + q.doc() + ", which is not a demo document");
    }

    /** Vectors are L2-normalized, so the dot product is the cosine. */
    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }

    /** The committed queries; each answer must occur exactly once in its document, or the check would be ambiguous. */
    static List<Query> queries() throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> docs = DemoDocuments.load();
        List<Query> out = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(BenchChunksCommand.class.getResourceAsStream(QUERIES), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode n = json.readTree(line);
                Query q = new Query(n.get("query").asText(), n.get("doc").asText(), n.get("answer").asText());
                int at = answerOffset(q, docs);
                String text = docs.stream().filter(d -> d.get("id").asText().equals(q.doc())).findFirst().orElseThrow().get("text").asText();
                if (at < 0 || text.indexOf(q.answer(), at + 1) >= 0) {
                    throw new IllegalStateException("the answer of query '" + q.text() + "' must occur exactly once in " + q.doc());
                }
                out.add(q);
            }
        }
        return out;
    }
}
