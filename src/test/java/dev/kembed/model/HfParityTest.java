package dev.kembed.model;

import dev.kembed.engine.Precision;
import dev.kembed.engine.BatchResult;
import dev.kembed.engine.EngineWindow;
import dev.kembed.engine.WindowBatch;
import dev.kembed.engine.onnxruntime.OnnxRuntimeEngine;
import dev.kembed.model.checkpoint.Checkpoint;
import dev.kembed.model.checkpoint.SafetensorsFile;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Parity with Hugging Face transformers' LongformerModel, on the fixture that
 * shared/device/hf_longformer_fixture.py writes (it needs Python with torch + transformers).
 * Skipped, with the reason, when the fixture is in neither place.
 */
class HfParityTest {
    static final List<Path> PLACES = List.of(
            Path.of("src/test/resources/fixtures/hf-longformer-tiny"),
            Path.of("../shared/fixtures/hf-longformer-tiny"));

    static Optional<Path> fixture() {
        return PLACES.stream().filter(p -> Files.isRegularFile(p.resolve("cases.safetensors"))).findFirst();
    }

    @Test
    void everyCaseMatchesTransformers() {
        Optional<Path> dir = fixture();
        if (dir.isEmpty()) {
            String why = "HF parity fixture not found in " + PLACES + "; generate it with "
                    + "python3 shared/device/hf_longformer_fixture.py <dir> on a machine with torch + transformers";
            System.out.println("SKIPPED: " + why);
        }
        Assumptions.assumeTrue(dir.isPresent(), "HF parity fixture hf-longformer-tiny/ not present (see test output)");
        Checkpoint ckpt = Checkpoint.load(dir.get());
        Map<String, SafetensorsFile.Entry> cases = SafetensorsFile.read(dir.get().resolve("cases.safetensors"));
        int h = ckpt.config().hiddenSize();
        List<Integer> ks = Stream.iterate(0, k -> cases.containsKey("case" + k + ".input_ids"), k -> k + 1).toList();
        assertThat(ks).isNotEmpty();
        try (OnnxRuntimeEngine engine = new OnnxRuntimeEngine(ckpt, "hf", 1, 1, true, Precision.FP32)) {
            for (int k : ks) {
                SafetensorsFile.Entry idsE = cases.get("case" + k + ".input_ids");
                int b = idsE.shape()[0];
                int l = idsE.shape()[1];
                long[] ids = idsE.toLongs();
                long[] am = cases.get("case" + k + ".attention_mask").toLongs();
                SafetensorsFile.Entry gmE = cases.get("case" + k + ".global_attention_mask");
                long[] gm = gmE == null ? null : gmE.toLongs();
                double[] want = cases.get("case" + k + ".last_hidden_state").toDoubles();
                List<EngineWindow> ws = new ArrayList<>();
                List<Integer> lens = new ArrayList<>();
                for (int i = 0; i < b; i++) {
                    int len = 0;
                    for (int t = 0; t < l; t++) {
                        len += am[i * l + t] != 0 ? 1 : 0;
                    }
                    int[] wi = new int[len];
                    int[] wg = new int[len];
                    for (int t = 0; t < len; t++) {
                        wi[t] = (int) ids[i * l + t];
                        wg[t] = gm == null ? 0 : (int) gm[i * l + t];
                    }
                    ws.add(new EngineWindow(wi, gm == null ? null : wg, new int[len]));
                    lens.add(len);
                }
                BatchResult got = engine.embed(new WindowBatch(ws, true));
                double worst = 0;
                for (int i = 0; i < b; i++) {
                    float[][] states = got.windows().get(i).tokenStates();
                    for (int t = 0; t < lens.get(i); t++) {
                        for (int c = 0; c < h; c++) {
                            worst = Math.max(worst, Math.abs(states[t][c] - want[(i * l + t) * h + c]));
                        }
                    }
                }
                System.out.printf("HF parity case %d: max abs %.3g%n", k, worst);
                assertThat(worst).as("case %d", k).isLessThanOrEqualTo(1e-4);
            }
        }
    }
}
