package dev.kembed.engine.djl;

import dev.kembed.engine.BatchResult;
import dev.kembed.engine.EngineInfo;
import dev.kembed.engine.EngineWindow;
import dev.kembed.engine.ShapeBuckets;
import dev.kembed.engine.WindowBatch;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/**
 * The layout of an engine built for fixed shapes (TensorRT's engines, ONNX Runtime's TensorRT
 * profiles): a few window lengths and a batch size. The queue batches by the same {@link ShapeBuckets},
 * and {@link #call} runs any batch on them, so both GPU engines share one call.
 *
 * @param lengths   the static window lengths, sorted
 * @param batch     windows per call at most
 * @param fillRows  pad every call to {@code batch} rows (a static batch dimension) instead of the windows given
 * @param positionIds pass HF's position ids as an input (the TensorRT-8 graphs take them)
 */
public record StaticShapes(List<Integer> lengths, int batch, boolean fillRows, boolean positionIds) {
    public StaticShapes {
        lengths = lengths.stream().sorted().toList();
    }

    /**
     * Checks every window, cuts the batch into slices of at most {@link #batch}, pads each to its
     * bucket and runs it on that bucket's runner.
     *
     * @param runnerFor the runner of one static length
     * @param padded    a last check of each padded slice (e.g. its global tokens against the graph's slots)
     */
    public BatchResult call(WindowBatch windows, EngineInfo info, IntFunction<DjlModelRunner> runnerFor, Consumer<PaddedBatch> padded) {
        windows.windows().forEach(w -> GraphCall.check(w, info));
        ShapeBuckets buckets = new ShapeBuckets(lengths);
        return GraphCall.inSlices(windows.windows(), batch, ws -> {
            int len = buckets.bucket(ws.stream().mapToInt(EngineWindow::length).max().orElseThrow());
            PaddedBatch in = PaddedBatch.of(ws, fillRows ? batch : ws.size(), len, info);
            padded.accept(in);
            return GraphCall.run(runnerFor.apply(len), in, info, positionIds, windows.tokenStates(), ws);
        });
    }
}
