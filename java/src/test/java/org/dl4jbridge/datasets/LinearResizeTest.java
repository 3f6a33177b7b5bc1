package org.dl4jbridge.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.Map;
import org.dl4jbridge.testutil.Npz;
import org.junit.jupiter.api.Test;

/** Bit-exact against cv2.resize(INTER_LINEAR) (tests/reference/gen_linear_resize.py). */
class LinearResizeTest {
    @Test
    void matchesOpenCvExactly() throws Exception {
        Map<String, Npz.Array> ref = Npz.read(Path.of(LinearResizeTest.class.getResource("/reference/linear_resize.npz").toURI()));
        int cases = 0;
        for (int i = 0; ref.containsKey("src" + i); i++, cases++) {
            Npz.Array src = ref.get("src" + i), dst = ref.get("dst" + i);
            int sh = src.shape()[0], sw = src.shape()[1], dh = dst.shape()[0], dw = dst.shape()[1];
            byte[] in = toBytes(src.data());
            byte[] out = new byte[dh * dw * 3];
            LinearResize.resize(in, sw, sh, out, dw, dh, 3);
            int[] actual = new int[out.length], expected = new int[out.length];
            for (int k = 0; k < out.length; k++) {
                actual[k] = out[k] & 0xff;
                expected[k] = (int) dst.data()[k];
            }
            assertArrayEquals(expected, actual, "case " + i + ": " + sw + "x" + sh + " -> " + dw + "x" + dh);
            for (boolean bgr : new boolean[] {true, false}) { // the fused path gives the same values as planes
                java.nio.FloatBuffer planes = java.nio.FloatBuffer.allocate(3 * dh * dw + 5);
                LinearResize.resizeToPlanes(in, sw, sh, dw, dh, bgr, planes, 5);
                for (int k = 0; k < dh * dw; k++) {
                    for (int c = 0; c < 3; c++) {
                        int rgbChannel = bgr ? 2 - c : c;
                        assertEquals(expected[k * 3 + rgbChannel], (int) planes.get(5 + c * dh * dw + k), "case " + i + " planes");
                    }
                }
            }
        }
        assertEquals(7, cases);
    }

    @Test
    void sameSizeIsACopy() {
        byte[] src = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
        byte[] dst = new byte[12];
        LinearResize.resize(src, 2, 2, dst, 2, 2, 3);
        assertArrayEquals(src, dst);
    }

    @Test
    void rejectsBadSizes() {
        assertThrows(IllegalArgumentException.class, () -> LinearResize.resize(new byte[3], 1, 1, new byte[3], 0, 1, 3));
        assertThrows(IllegalArgumentException.class, () -> LinearResize.resize(new byte[2], 1, 1, new byte[3], 1, 1, 3));
    }

    private static byte[] toBytes(double[] values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < b.length; i++) b[i] = (byte) (int) values[i];
        return b;
    }
}
