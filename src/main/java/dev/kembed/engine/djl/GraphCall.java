package dev.kembed.engine.djl;

import dev.kembed.engine.TokenIds;
import dev.kembed.engine.BatchResult;
import dev.kembed.engine.EngineException;
import dev.kembed.engine.EngineInfo;
import dev.kembed.engine.EngineWindow;
import dev.kembed.engine.djl.PaddedBatch;
import dev.kembed.engine.WindowResult;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One call of kembed's Longformer graph, whichever engine runs it: the window checks every engine
 * makes before native code sees a window, the graph's named inputs, and the per-window results
 * (filler rows dropped).
 */
public final class GraphCall {
    private static final Set<String> POOLED_OUTPUTS = Set.of("cls", "sum", "count");
    private static final Set<String> CHUNKED_OUTPUTS = Set.of("cls", "sum", "count", "chunk_sum", "chunk_count");

    private GraphCall() {}

    /** Refuses what the graph can never run, as a window fault (DLQ), not an engine fault. */
    public static void check(EngineWindow w, EngineInfo info) {
        if (w.length() > info.maxTokens()) {
            throw EngineException.badWindow("window-too-long", "a window of " + w.length() + " tokens exceeds the model's " + info.maxTokens());
        }
        if (w.globalMask() != null && !info.globalAttention()) {
            for (int x : w.globalMask()) {
                if (x != 0) {
                    throw EngineException.badWindow("global-attention-unsupported",
                            "this engine was built without global attention but a window asks for it");
                }
            }
        }
        if (w.chunkCount() > info.chunkSlots()) {
            throw EngineException.badWindow("too-many-chunks", "a window pools " + w.chunkCount() + " chunks but this engine's graph has "
                    + info.chunkSlots() + " chunk slots per window" + (info.chunkSlots() == 0 ? " (it was built without late chunking)" : ""));
        }
        int bad = TokenIds.firstOutside(w.inputIds(), info.vocabSize());
        if (bad >= 0) {
            throw EngineException.badWindow(TokenIds.INVALID, TokenIds.outsideMessage("token id", w.inputIds(), bad, info.vocabSize()));
        }
    }

    /**
     * Runs {@code windows} in slices of at most {@code batch}: the queue already forms batches that
     * fit, a direct caller (bench, verify) may not.
     */
    public static BatchResult inSlices(List<EngineWindow> windows, int batch, java.util.function.Function<List<EngineWindow>, BatchResult> call) {
        if (windows.size() <= batch) {
            return call.apply(windows);
        }
        List<WindowResult> results = new ArrayList<>(windows.size());
        long nanos = 0;
        long computed = 0;
        for (int from = 0; from < windows.size(); from += batch) {
            BatchResult r = call.apply(windows.subList(from, Math.min(windows.size(), from + batch)));
            results.addAll(r.windows());
            nanos += r.inferenceNanos();
            computed += r.computedTokens();
        }
        return new BatchResult(results, nanos, computed);
    }

    /**
     * @param positionIds pass HF's position ids as an input (the TensorRT graphs take them)
     * @param tokenStates also copy back every token's hidden state
     */
    public static BatchResult run(DjlModelRunner runner, PaddedBatch in, EngineInfo info, boolean positionIds, boolean tokenStates,
            List<EngineWindow> windows) {
        int rows = in.rows();
        int len = in.length();
        List<DjlModelRunner.Input> inputs = new ArrayList<>(List.of(
                new DjlModelRunner.Input("input_ids", in.inputIds(), rows, len),
                new DjlModelRunner.Input("attention_mask", in.attentionMask(), rows, len),
                new DjlModelRunner.Input("global_attention_mask", in.globalMask(), rows, len),
                new DjlModelRunner.Input("pool_mask", in.poolMask(), rows, len)));
        if (positionIds) {
            inputs.add(new DjlModelRunner.Input("position_ids", in.positionIds(info.family().positions(), info.padTokenId()), rows, len));
        }
        boolean chunked = info.chunkSlots() > 0;
        if (chunked) { // a graph with chunk slots takes them always: no window with slots pools nothing
            int[] cs = in.chunkSlots();
            if (cs == null) {
                cs = new int[rows * len];
                Arrays.fill(cs, -1);
            }
            inputs.add(new DjlModelRunner.Input("chunk_slot", cs, rows, len));
        }
        long t0 = System.nanoTime();
        Map<String, DjlModelRunner.Output> out = runner.run(inputs, tokenStates ? null : chunked ? CHUNKED_OUTPUTS : POOLED_OUTPUTS);
        long nanos = System.nanoTime() - t0;
        int hidden = info.dimension();
        float[] cls = out.get("cls").data();
        float[] sum = out.get("sum").data();
        float[] count = out.get("count").data();
        float[] states = tokenStates ? out.get("last_hidden_state").data() : null;
        float[] chunkSum = chunked ? out.get("chunk_sum").data() : null;
        float[] chunkCount = chunked ? out.get("chunk_count").data() : null;
        int slots = info.chunkSlots();
        List<WindowResult> results = new ArrayList<>(in.windows());
        for (int i = 0; i < in.windows(); i++) {
            float[][] tokens = null;
            if (states != null) {
                tokens = new float[windows.get(i).length()][];
                for (int t = 0; t < tokens.length; t++) {
                    int from = (i * len + t) * hidden;
                    tokens[t] = Arrays.copyOfRange(states, from, from + hidden);
                }
            }
            float[][] sums = null;
            float[] counts = null;
            int chunks = windows.get(i).chunkCount();
            if (chunked && windows.get(i).chunkSlots() != null) {
                sums = new float[chunks][];
                counts = new float[chunks];
                for (int s = 0; s < chunks; s++) {
                    int from = (i * slots + s) * hidden;
                    sums[s] = Arrays.copyOfRange(chunkSum, from, from + hidden);
                    counts[s] = chunkCount[i * slots + s];
                }
            }
            results.add(new WindowResult(Arrays.copyOfRange(cls, i * hidden, (i + 1) * hidden),
                    Arrays.copyOfRange(sum, i * hidden, (i + 1) * hidden), count[i], tokens, sums, counts));
        }
        return new BatchResult(results, nanos, (long) rows * len);
    }
}
