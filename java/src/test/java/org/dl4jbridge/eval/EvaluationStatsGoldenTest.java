package org.dl4jbridge.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.testutil.Npz;
import org.junit.jupiter.api.Test;

/** stats() against the text real DL4J 1.0.0-beta2 printed for the eval_100b counts. */
class EvaluationStatsGoldenTest {
    private static final Path DIR = Npz.fixtures().resolve("eval_100b");

    /**
     * The golden file is DL4J's stats() as pasted into a readme: without the two leading newlines
     * stats() starts with (spec 7.4) and with the newline that ends a text file.
     */
    private static String golden() throws Exception {
        String text = Files.readString(DIR.resolve("evaluation_stats_golden.txt"), StandardCharsets.UTF_8);
        assertTrue(text.endsWith("=\n"), "golden file layout changed");
        return "\n\n" + text.substring(0, text.length() - 1);
    }

    @Test
    void statsFromDl4jJsonMatchesGoldenText() throws Exception {
        Evaluation e = EvaluationJson.fromDl4jJson(Files.readString(DIR.resolve("evaluation.json")));
        assertEquals(golden(), e.stats());
    }

    /** The same counts reached through eval() on one-hot rows (the path the engine uses). */
    @Test
    void statsFromEvalOfEquivalentRowsMatchesGoldenText() throws Exception {
        JsonNode matrix = new ObjectMapper().readTree(DIR.resolve("evaluation.json").toFile())
                .path("confusion").path("matrix");
        int n = 3;
        List<float[]> labelRows = new ArrayList<>();
        List<float[]> predRows = new ArrayList<>();
        for (int a = 0; a < n; a++) {
            JsonNode row = matrix.path(String.valueOf(a));
            for (int i = 0; i < row.path(0).size(); i++) {
                int p = row.path(0).get(i).asInt();
                for (int k = 0; k < row.path(1).get(i).asInt(); k++) {
                    float[] l = new float[n];
                    l[a] = 1;
                    float[] q = {0.1f, 0.1f, 0.1f};
                    q[p] = 0.8f;
                    labelRows.add(l);
                    predRows.add(q);
                }
            }
        }
        Evaluation e = new Evaluation(List.of("0", "1", "2"));
        // Two minibatches, to exercise accumulation across eval() calls.
        int half = labelRows.size() / 2;
        e.eval(stack(labelRows.subList(0, half), n), stack(predRows.subList(0, half), n));
        e.eval(stack(labelRows.subList(half, labelRows.size()), n), stack(predRows.subList(half, predRows.size()), n));
        assertEquals(150, e.getNumRowCounter());
        assertEquals(golden(), e.stats());
    }

    static NDArray stack(List<float[]> rows, int n) {
        float[] flat = new float[rows.size() * n];
        for (int i = 0; i < rows.size(); i++) System.arraycopy(rows.get(i), 0, flat, i * n, n);
        return NDArray.of(flat, rows.size(), n);
    }
}
