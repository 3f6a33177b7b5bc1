package org.dl4jbridge.datasets;

import java.nio.FloatBuffer;
import java.util.Arrays;
import org.dl4jbridge.ndarray.NDArray;

/** Per-channel-plane loops over contiguous NCHW image batches, for the pre-processors. */
final class PlaneOps {
    @FunctionalInterface
    interface PlaneBody { void run(FloatBuffer buf, int from, int to, int channel); }

    private PlaneOps() {}

    static void requireImageBatch(NDArray features, String who) {
        if (features.rank() != 4 || features.size(1) != 3 || !features.isContiguous()) {
            throw new IllegalArgumentException(who + " expects contiguous NCHW images [mb, 3, H, W], got shape "
                    + Arrays.toString(features.shape()) + (features.isContiguous() ? "" : " (a strided view: dup() it first)"));
        }
    }

    static void forEachPlane(NDArray features, PlaneBody body) {
        int plane = features.size(2) * features.size(3);
        FloatBuffer buf = features.buffer();
        for (int n = 0; n < features.size(0); n++) {
            for (int c = 0; c < 3; c++) {
                int from = features.offset() + (n * 3 + c) * plane;
                body.run(buf, from, from + plane, c);
            }
        }
    }
}
