package org.dl4jbridge.util;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.nn.conf.ComputationGraphConfiguration;
import org.dl4jbridge.nn.conf.MultiLayerConfiguration;
import org.dl4jbridge.nn.graph.ComputationGraph;
import org.dl4jbridge.nn.multilayer.MultiLayerNetwork;

/**
 * DL4J's ModelSerializer: save and restore ComputationGraph and MultiLayerNetwork models as DL4J
 * model zips (DL4J_SPEC section 1), readable by DL4J 1.0.0-M2.1 and reading every DL4J release's
 * files from 0.5.0 on.
 *
 * <p>The model kind is read from the file itself ({@link #detectKind}); asking for the other kind
 * is an error that says which method to call.
 */
public final class ModelSerializer {
    private ModelSerializer() {}

    // ---- inspection -----------------------------------------------------------------------------

    /** Which kind of model a zip holds, from its configuration alone. */
    public static ModelKind detectKind(Path zip) throws IOException {
        String name = zip.getFileName().toString();
        return LegacyConfigUpgrader.kindOf(LegacyConfigUpgrader.parse(ModelZip.readConfiguration(zip),
                name + ": " + ModelZip.CONFIGURATION), name + ": " + ModelZip.CONFIGURATION);
    }

    public static ModelKind detectKind(String path) throws IOException {
        return detectKind(Path.of(path));
    }

    /** dl4j-bridge's metadata entry, or null when the zip has none. */
    public static ModelMetadata readMetadata(Path zip) throws IOException {
        return ModelZip.readMetadata(zip);
    }

    public static ModelMetadata readMetadata(String path) throws IOException {
        return readMetadata(Path.of(path));
    }

    // ---- networks: writing -----------------------------------------------------------------------

    public static void writeModel(ComputationGraph model, File file, boolean saveUpdater) throws IOException {
        writeModel(model, file.toPath(), saveUpdater, null);
    }

    public static void writeModel(ComputationGraph model, String path, boolean saveUpdater) throws IOException {
        writeModel(model, Path.of(path), saveUpdater, null);
    }

    public static void writeModel(MultiLayerNetwork model, File file, boolean saveUpdater) throws IOException {
        writeModel(model, file.toPath(), saveUpdater, null);
    }

    public static void writeModel(MultiLayerNetwork model, String path, boolean saveUpdater) throws IOException {
        writeModel(model, Path.of(path), saveUpdater, null);
    }

    /**
     * Saves a ComputationGraph in DL4J 1.0.0-M2.1's form: params {@code [1, N]}, updater state
     * rank 1 (DL4J_SPEC 2.6), plus dl4j-bridge's metadata entry when {@code metadata} is given.
     */
    public static void writeModel(ComputationGraph model, Path path, boolean saveUpdater, ModelMetadata metadata)
            throws IOException {
        boolean state = saveUpdater && model.getUpdater().stateSize() > 0;
        write(path, model.getConfiguration().toJson(), () -> asRow(model.params()),
                state ? () -> asVector(model.getUpdater().getStateViewArray()) : null, model.numParams(), metadata);
    }

    /** Saves a MultiLayerNetwork in DL4J 1.0.0-M2.1's form: params and updater state rank 1 (DL4J_SPEC 2.6). */
    public static void writeModel(MultiLayerNetwork model, Path path, boolean saveUpdater, ModelMetadata metadata)
            throws IOException {
        boolean state = saveUpdater && model.getUpdater().stateSize() > 0;
        write(path, model.getLayerWiseConfigurations().toJson(), () -> asVector(model.params()),
                state ? () -> asVector(model.getUpdater().getStateViewArray()) : null, model.numParams(), metadata);
    }

    /** For callers that hold either kind (the Python bridge): dispatches on the model's class. */
    public static void writeModelAny(Object model, String path, boolean saveUpdater, ModelMetadata metadata)
            throws IOException {
        if (model instanceof ComputationGraph g) {
            writeModel(g, Path.of(path), saveUpdater, metadata);
        } else if (model instanceof MultiLayerNetwork n) {
            writeModel(n, Path.of(path), saveUpdater, metadata);
        } else {
            throw new IllegalArgumentException("writeModel needs a ComputationGraph or a MultiLayerNetwork, got "
                    + (model == null ? "null" : model.getClass().getName()));
        }
    }

    /** Supplies an array when its entry is written, so a failure there happens inside the atomic write. */
    @FunctionalInterface
    interface ArraySource {
        NDArray get() throws IOException;
    }

    private static void write(Path path, String configJson, ArraySource params, ArraySource state, long numParams,
                              ModelMetadata metadata) throws IOException {
        String name = path.getFileName().toString();
        String source = name + ": " + ModelZip.CONFIGURATION;
        ObjectNode config = LegacyConfigUpgrader.upgrade(LegacyConfigUpgrader.parse(configJson, source), source);
        long expected = ConfigSummary.of(config, source).numParams();
        if (expected != numParams) {
            throw new IllegalStateException("cannot save " + name + ": the configuration describes " + expected
                    + " parameters but the network holds " + numParams);
        }
        List<ModelZip.Entry> entries = new java.util.ArrayList<>();
        entries.add(new ModelZip.Entry(ModelZip.CONFIGURATION, os -> os.write(ModelZip.asciiJson(configJson))));
        entries.add(new ModelZip.Entry(ModelZip.COEFFICIENTS, os -> Nd4jBinary.write(params.get(), os)));
        if (state != null) {
            entries.add(new ModelZip.Entry(ModelZip.UPDATER_STATE, os -> Nd4jBinary.write(state.get(), os)));
        }
        if (metadata != null) {
            entries.add(new ModelZip.Entry(ModelZip.METADATA, os -> os.write(ModelZip.asciiJson(metadata.toJson()))));
        }
        ModelZip.write(path, entries);
    }

    private static NDArray asRow(NDArray a) {
        return a.contiguous().reshape(1, a.length());
    }

    private static NDArray asVector(NDArray a) {
        return a.contiguous().reshape(a.length());
    }

    // ---- networks: restoring ----------------------------------------------------------------------

    public static ComputationGraph restoreComputationGraph(String path) throws IOException {
        return restoreComputationGraph(Path.of(path), true);
    }

    public static ComputationGraph restoreComputationGraph(String path, boolean loadUpdater) throws IOException {
        return restoreComputationGraph(Path.of(path), loadUpdater);
    }

    public static ComputationGraph restoreComputationGraph(File file) throws IOException {
        return restoreComputationGraph(file.toPath(), true);
    }

    public static ComputationGraph restoreComputationGraph(File file, boolean loadUpdater) throws IOException {
        return restoreComputationGraph(file.toPath(), loadUpdater);
    }

    public static ComputationGraph restoreComputationGraph(InputStream in, boolean loadUpdater) throws IOException {
        return fromStream(in, "model stream", p -> restoreComputationGraph(p, loadUpdater));
    }

    /**
     * Restores a ComputationGraph zip of any DL4J release. The parameters land exactly where DL4J
     * put them; the updater state is restored when present and {@code loadUpdater}.
     */
    public static ComputationGraph restoreComputationGraph(Path path, boolean loadUpdater) throws IOException {
        ModelContents c = readContents(path, ModelKind.COMPUTATION_GRAPH, loadUpdater);
        String name = path.getFileName().toString();
        ComputationGraphConfiguration conf;
        try {
            conf = ComputationGraphConfiguration.fromJson(floatConfiguration(c));
        } catch (RuntimeException e) {
            throw new ModelFormatException(name + ": " + ModelZip.CONFIGURATION + ": " + e.getMessage(), e);
        }
        ComputationGraph graph = new ComputationGraph(conf);
        initNetwork(name, c, () -> graph.init(paramsOrEmpty(c), false));
        if (c.files().updaterState() != null) {
            setState(name, c, () -> graph.getUpdater().setStateViewArray(c.files().updaterState()));
        }
        return graph;
    }

    public static MultiLayerNetwork restoreMultiLayerNetwork(String path) throws IOException {
        return restoreMultiLayerNetwork(Path.of(path), true);
    }

    public static MultiLayerNetwork restoreMultiLayerNetwork(String path, boolean loadUpdater) throws IOException {
        return restoreMultiLayerNetwork(Path.of(path), loadUpdater);
    }

    public static MultiLayerNetwork restoreMultiLayerNetwork(File file) throws IOException {
        return restoreMultiLayerNetwork(file.toPath(), true);
    }

    public static MultiLayerNetwork restoreMultiLayerNetwork(File file, boolean loadUpdater) throws IOException {
        return restoreMultiLayerNetwork(file.toPath(), loadUpdater);
    }

    public static MultiLayerNetwork restoreMultiLayerNetwork(InputStream in, boolean loadUpdater) throws IOException {
        return fromStream(in, "model stream", p -> restoreMultiLayerNetwork(p, loadUpdater));
    }

    /** Restores a MultiLayerNetwork zip of any DL4J release (see {@link #restoreComputationGraph(Path, boolean)}). */
    public static MultiLayerNetwork restoreMultiLayerNetwork(Path path, boolean loadUpdater) throws IOException {
        ModelContents c = readContents(path, ModelKind.MULTI_LAYER_NETWORK, loadUpdater);
        String name = path.getFileName().toString();
        MultiLayerConfiguration conf;
        try {
            conf = MultiLayerConfiguration.fromJson(floatConfiguration(c));
        } catch (RuntimeException e) {
            throw new ModelFormatException(name + ": " + ModelZip.CONFIGURATION + ": " + e.getMessage(), e);
        }
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        initNetwork(name, c, () -> net.init(paramsOrEmpty(c), false));
        if (c.files().updaterState() != null) {
            setState(name, c, () -> net.getUpdater().setStateViewArray(c.files().updaterState()));
        }
        return net;
    }

    /**
     * The engine computes in float32, so the restored configuration is forced to FLOAT, as DL4J
     * forces it to the data type of the parameters it read (DL4J_SPEC 1.3).
     */
    private static String floatConfiguration(ModelContents c) {
        ObjectNode conf = c.configuration().deepCopy();
        conf.put("dataType", "FLOAT");
        return LegacyConfigUpgrader.toJson(conf);
    }

    private static NDArray paramsOrEmpty(ModelContents c) {
        return c.files().params() == null ? NDArray.zeros(1, 0) : c.files().params();
    }

    private static void initNetwork(String name, ModelContents c, Runnable init) throws ModelFormatException {
        try {
            init.run();
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new ModelFormatException(name + ": the network cannot be built from " + ModelZip.CONFIGURATION
                    + " and " + ModelZip.COEFFICIENTS + ": " + e.getMessage(), e);
        }
    }

    private static void setState(String name, ModelContents c, Runnable set) throws ModelFormatException {
        try {
            set.run();
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(name + ": " + ModelZip.UPDATER_STATE + " does not fit this network's "
                    + "updater: " + e.getMessage(), e);
        }
    }

    // ---- plain-data level -------------------------------------------------------------------------

    /**
     * Reads a model zip, upgrades its configuration, and checks it: the kind must be
     * {@code expected} (null accepts either) and the parameter vector must have the length the
     * configuration describes.
     */
    public static ModelContents readContents(Path zip, ModelKind expected, boolean loadUpdater) throws IOException {
        String name = zip.getFileName().toString();
        ModelFiles files = ModelZip.read(zip, loadUpdater);
        String source = name + ": " + ModelZip.CONFIGURATION;
        ObjectNode config = LegacyConfigUpgrader.upgrade(LegacyConfigUpgrader.parse(files.configuration(), source), source);
        ModelKind kind = LegacyConfigUpgrader.kindOf(config, source);
        if (expected != null && kind != expected) {
            throw new ModelFormatException(name + " holds a " + kind.dl4jName() + ", not a " + expected.dl4jName()
                    + "; use " + kind.restoreMethod() + " (ModelSerializer.detectKind tells them apart)");
        }
        ConfigSummary summary = ConfigSummary.of(config, source);
        checkParamCount(name, summary.numParams(), files);
        return new ModelContents(kind, files, config, summary);
    }

    /** Writes plain model data as a DL4J zip, after checking the parameter count against the configuration. */
    public static void writeContents(ModelFiles files, Path target) throws IOException {
        String source = target.getFileName() + ": " + ModelZip.CONFIGURATION;
        ObjectNode config = LegacyConfigUpgrader.upgrade(LegacyConfigUpgrader.parse(files.configuration(), source), source);
        checkParamCount(target.getFileName().toString(), ConfigSummary.of(config, source).numParams(), files);
        ModelZip.write(target, files);
    }

    static void checkParamCount(String name, long expected, ModelFiles files) throws ModelFormatException {
        long actual = files.params() == null ? 0 : files.params().length();
        if (expected != actual) {
            throw new ModelFormatException(name + ": " + ModelZip.CONFIGURATION + " describes " + expected
                    + " parameters but " + ModelZip.COEFFICIENTS + " holds " + actual
                    + (files.params() == null ? " (no parameters)" : "")
                    + "; the two entries do not belong to the same model");
        }
    }

    /** Copies a stream to a temporary file, so that streams and files share one reader. */
    static <T> T fromStream(InputStream in, String what, IOFunction<Path, T> reader) throws IOException {
        Path tmp = Files.createTempFile("dl4j-bridge-model-", ".zip");
        try {
            long n = Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            if (n == 0) throw new ModelFormatException(what + ": the stream is empty");
            return reader.apply(tmp);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    @FunctionalInterface
    interface IOFunction<A, R> {
        R apply(A a) throws IOException;
    }
}
