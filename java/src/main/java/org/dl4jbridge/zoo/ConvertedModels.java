package org.dl4jbridge.zoo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.dl4jbridge.nn.graph.ComputationGraph;
import org.dl4jbridge.util.ModelMetadata;
import org.dl4jbridge.util.ModelSerializer;

/**
 * The convert-once cache shared by the zoo models whose weights come from another framework's file
 * (EfficientNet-Lite0 from a PyTorch checkpoint, the VGG16 convolution base from an ONNX file): the
 * converted network is kept as a DL4J zip under the resources directory, written atomically
 * (ModelSerializer writes a temporary file and renames it), and a cached zip that no longer
 * restores is moved aside as {@code <name>.bad} rather than trusted or silently deleted.
 */
final class ConvertedModels {
    private ConvertedModels() {}

    /** Something that builds the converted network (reads and checks the source file). */
    @FunctionalInterface
    interface Converter {
        ComputationGraph convert() throws IOException;
    }

    /** The cached network, or null when there is none (a damaged one is moved aside, with a note on stderr). */
    static ComputationGraph restore(Path cached, String what) throws IOException {
        if (!Files.isRegularFile(cached)) return null;
        try {
            return ModelSerializer.restoreComputationGraph(cached.toFile());
        } catch (IOException | RuntimeException e) {
            Path bad = cached.resolveSibling(cached.getFileName() + ".bad");
            Files.move(cached, bad, StandardCopyOption.REPLACE_EXISTING);
            System.err.println("dl4j-bridge: the converted " + what + " " + cached + " could not be restored ("
                    + e.getMessage() + "); moved aside to " + bad);
            return null;
        }
    }

    /** The cached network, else a new conversion, which is then cached (with {@code metadata}, may be null). */
    static ComputationGraph loadOrConvert(Path cached, String what, Converter converter, ModelMetadata metadata)
            throws IOException {
        ComputationGraph graph = restore(cached, what);
        if (graph != null) return graph;
        graph = converter.convert();
        store(cached, graph, metadata);
        return graph;
    }

    /** Writes the converted network to the cache; nothing appears under {@code cached} unless complete. */
    static void store(Path cached, ComputationGraph graph, ModelMetadata metadata) throws IOException {
        Files.createDirectories(cached.getParent());
        ModelSerializer.writeModel(graph, cached, false, metadata);
    }
}
