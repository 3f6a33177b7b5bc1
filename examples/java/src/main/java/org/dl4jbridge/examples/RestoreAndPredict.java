package org.dl4jbridge.examples;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.nn.graph.ComputationGraph;
import org.dl4jbridge.nn.multilayer.MultiLayerNetwork;
import org.dl4jbridge.util.ConfigSummary;
import org.dl4jbridge.util.ModelKind;
import org.dl4jbridge.util.ModelMetadata;
import org.dl4jbridge.util.ModelSerializer;
import org.dl4jbridge.util.Nd4jBinary;

/**
 * Restores a DL4J model zip (saved from Python with dl4j_bridge, by DL4J itself, or by any JVM
 * program using the engine) and prints its predictions for one input.
 *
 * <pre>
 *   java -jar dl4j-bridge-example.jar model.zip input.bin        (an ND4J binary array, e.g. Nd4j.write output)
 *   java -jar dl4j-bridge-example.jar model.zip 0.5,-1.25        (one example's features, comma-separated)
 *   java -jar dl4j-bridge-example.jar model.zip                  (zeros of the input shape in the metadata)
 * </pre>
 */
public final class RestoreAndPredict {
    private RestoreAndPredict() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 1 || args.length > 2) {
            System.err.println("usage: RestoreAndPredict model.zip [input.bin | v1,v2,...]");
            System.exit(2);
        }
        Path zip = Path.of(args[0]);
        ModelKind kind = ModelSerializer.detectKind(zip);
        ModelMetadata meta = ModelSerializer.readMetadata(zip);
        ConfigSummary summary = ModelSerializer.readContents(zip, kind, false).summary();
        System.out.printf("%s: a %s with %d layers and %,d parameters%n", zip.getFileName(), kind.dl4jName(),
                summary.layers().size(), summary.numParams());
        for (ConfigSummary.Layer l : summary.layers()) {
            System.out.printf("  %-24s %-24s nIn=%-6d nOut=%-6d params=%,d%s%n", l.name(), l.simpleClassName(),
                    l.nIn(), l.nOut(), l.numParams(), l.frozen() ? "  (frozen)" : "");
        }

        NDArray input = input(args.length > 1 ? args[1] : null, meta);
        NDArray output;
        if (kind == ModelKind.COMPUTATION_GRAPH) {
            ComputationGraph graph = ModelSerializer.restoreComputationGraph(zip.toString(), false);
            output = graph.outputSingle(input);
        } else {
            MultiLayerNetwork net = ModelSerializer.restoreMultiLayerNetwork(zip.toString(), false);
            output = net.output(input);
        }
        print(output, meta == null ? List.of() : meta.labels());
    }

    private static NDArray input(String arg, ModelMetadata meta) throws Exception {
        if (arg == null) {
            long[] shape = meta == null ? new long[0] : meta.inputShape();
            if (shape.length == 0) {
                throw new IllegalArgumentException("give an input (a .bin array or comma-separated values): the "
                        + "model has no dl4j-bridge metadata with an input shape");
            }
            int[] full = new int[shape.length + 1];
            full[0] = 1;
            for (int i = 0; i < shape.length; i++) full[i + 1] = Math.toIntExact(shape[i]);
            System.out.println("input: zeros of shape " + Arrays.toString(full));
            return NDArray.zeros(full);
        }
        if (Files.isRegularFile(Path.of(arg))) return Nd4jBinary.read(Path.of(arg));
        String[] parts = arg.split(",");
        float[] values = new float[parts.length];
        for (int i = 0; i < parts.length; i++) values[i] = Float.parseFloat(parts[i].trim());
        return NDArray.of(values, 1, values.length);
    }

    private static void print(NDArray output, List<String> labels) {
        int rows = output.size(0);
        int cols = output.length() / rows;
        float[] v = output.toFloatArray();
        for (int r = 0; r < rows; r++) {
            StringBuilder sb = new StringBuilder("example " + r + ":");
            int best = 0;
            for (int c = 0; c < cols; c++) {
                float x = v[r * cols + c];
                if (x > v[r * cols + best]) best = c;
                sb.append(String.format(Locale.ROOT, " %.6f", x));
            }
            String label = best < labels.size() ? labels.get(best) : "class " + best;
            System.out.println(sb.append("  -> ").append(label));
        }
    }
}
