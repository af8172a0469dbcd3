package dev.kembed.engine.djl;

import dev.kembed.engine.EngineException;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.NoopTranslator;
import ai.djl.translate.TranslateException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * The one class that runs DJL inference, for every engine adapter: loads a model file into a DJL
 * engine (ONNX Runtime, TensorRT) and runs named tensors. It keeps a small pool of
 * {@link Predictor}s (not thread-safe, per DJL) over one loaded model, so concurrent callers each
 * borrow their own.
 */
public final class DjlModelRunner implements AutoCloseable {
    /** A named input: {@code data} is an int[], long[] or float[] in row-major order. */
    public record Input(String name, Object data, long... shape) {}

    /** A float output copied out of native memory. */
    public record Output(float[] data, long[] shape) {}

    private final Model model;
    private final boolean closeOutputs;
    private final BlockingQueue<Predictor<NDList, NDList>> predictors;
    private final List<Predictor<NDList, NDList>> all = new ArrayList<>();

    private DjlModelRunner(Model model, int sessions) {
        this.model = model;
        // DJL's TensorRT predictor returns the session's bound output buffers, reused by every call:
        // they are copied out, never closed. ONNX Runtime returns fresh native tensors to free.
        this.closeOutputs = !"TensorRT".equals(model.getNDManager().getEngine().getEngineName());
        this.predictors = new ArrayBlockingQueue<>(sessions);
        for (int i = 0; i < sessions; i++) {
            Predictor<NDList, NDList> p = model.newPredictor(new NoopTranslator());
            all.add(p);
            predictors.add(p);
        }
    }

    /**
     * An ONNX file on ONNX Runtime's CPU provider.
     *
     * @param intraOpThreads ONNX Runtime threads per call (0 = ONNX Runtime's default: all cores)
     * @param sessions       how many calls may run at once
     */
    public static DjlModelRunner load(Path onnxFile, int intraOpThreads, int sessions) {
        Map<String, Object> options = new LinkedHashMap<>();
        if (intraOpThreads > 0) {
            options.put("intraOpNumThreads", Integer.toString(intraOpThreads));
        }
        options.put("interOpNumThreads", "1");
        return load(onnxFile, "OnnxRuntime", options, sessions);
    }

    /**
     * @param djlEngine DJL's engine name ("OnnxRuntime", "TensorRT")
     * @param options   DJL model options; ONNX Runtime also takes a ready {@code SessionOptions} under "sessionOptions"
     */
    public static DjlModelRunner load(Path file, String djlEngine, Map<String, ?> options, int sessions) {
        return load(file, djlEngine, options, sessions, -1);
    }

    /** @param gpu CUDA device index, or -1 for the engine's default device */
    public static DjlModelRunner load(Path file, String djlEngine, Map<String, ?> options, int sessions, int gpu) {
        String fileName = file.getFileName().toString();
        int dot = fileName.lastIndexOf('.');
        String name = dot > 0 ? fileName.substring(0, dot) : fileName;
        Model model = gpu < 0 ? Model.newInstance(name, djlEngine) : Model.newInstance(name, ai.djl.Device.gpu(gpu), djlEngine);
        try {
            model.load(file.toAbsolutePath().getParent(), name, options); // DJL engines find name.onnx / name.trt
        } catch (IOException | MalformedModelException | RuntimeException e) {
            model.close();
            throw EngineException.fatal(djlEngine + " cannot load " + file + ": " + e.getMessage(), e);
        }
        return new DjlModelRunner(model, Math.max(1, sessions));
    }

    public Map<String, Output> run(List<Input> inputs) {
        return run(inputs, null);
    }

    /** @param wanted outputs to copy back (null = all); the rest stay in native memory and are freed */
    public Map<String, Output> run(List<Input> inputs, java.util.Set<String> wanted) {
        Predictor<NDList, NDList> p;
        try {
            p = predictors.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw EngineException.transientFailure("interrupted while waiting for a free session", e);
        }
        try (NDManager m = model.getNDManager().newSubManager()) {
            NDList list = new NDList();
            for (Input in : inputs) {
                Shape shape = new Shape(in.shape());
                NDArray a;
                if (in.data() instanceof int[] ints) {
                    a = m.create(ints, shape);
                } else if (in.data() instanceof long[] longs) {
                    a = m.create(longs, shape);
                } else if (in.data() instanceof float[] floats) {
                    a = m.create(floats, shape);
                } else {
                    throw new IllegalArgumentException("unsupported input type for " + in.name());
                }
                a.setName(in.name());
                list.add(a);
            }
            NDList out = p.predict(list);
            Map<String, Output> result = new LinkedHashMap<>();
            for (NDArray a : out) {
                if (wanted != null && !wanted.contains(a.getName())) {
                    continue;
                }
                result.put(a.getName(), new Output(a.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray(), a.getShape().getShape()));
            }
            if (closeOutputs) {
                out.close();
            }
            return result;
        } catch (TranslateException | RuntimeException e) {
            // shapes and ids are checked before the call, so what fails here is the runtime (memory, threads): worth a retry
            throw EngineException.transientFailure(model.getNDManager().getEngine().getEngineName() + " run failed: " + e.getMessage(), e);
        } finally {
            predictors.add(p);
        }
    }

    @Override
    public void close() {
        all.forEach(Predictor::close);
        model.close();
    }
}
