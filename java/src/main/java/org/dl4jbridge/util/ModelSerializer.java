package org.dl4jbridge.util;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

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

    static Path path(File f) {
        return f.toPath();
    }
}
