package org.dl4jbridge.ndarray.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.testutil.Npz;
import org.junit.jupiter.api.Test;

class LinalgTest {
    private static final Ref REF = Ref.load("ops_gemm.npz");

    /** The same logical matrix laid out c- or f-order inside a bigger buffer (offset 3), as a parameter view. */
    static NDArray layout(Npz.Array logical, boolean fOrder) {
        int r = logical.shape()[0], c = logical.shape()[1];
        NDArray flat = NDArray.zeros(r * c + 5);
        NDArray view = flat.flatView(3, fOrder ? 'f' : 'c', r, c);
        for (int i = 0; i < r; i++) {
            for (int j = 0; j < c; j++) view.putAt((float) logical.data()[i * c + j], i, j);
        }
        return view;
    }

    /** In both orientations: the engine's row-major call and ND4J's (rounding 'dl4j', through a transposed scratch). */
    @Test
    void gemmMatchesTorchForEveryTransposeAndLayout() {
        int count = (int) REF.scalar("count");
        for (Rounding rounding : Rounding.values()) {
            for (int i = 0; i < count; i++) {
                String p = "c" + i + "_";
                double[] meta = REF.raw(p + "meta").data();
                NDArray a = layout(REF.raw(p + "a"), meta[2] != 0);
                NDArray b = layout(REF.raw(p + "b"), meta[3] != 0);
                NDArray c = layout(REF.raw(p + "c0"), meta[4] != 0);
                Linalg.gemm(a, meta[0] != 0, b, meta[1] != 0, c, (float) meta[5], (float) meta[6], rounding);
                REF.assertClose(p + "out", c);
            }
        }
    }

    /** ND4J's orientation into rows of a bigger matrix (the rest untouched), with beta, and with one row or column. */
    @Test
    void dl4jOrientationWritesOnlyItsViewAndKeepsBeta() {
        NDArray a = NDArray.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3), b = NDArray.of(new float[] {1, 0, 2, 1, 0, 3}, 3, 2);
        NDArray big = NDArray.of(new float[] {9, 9, 1, 1, 1, 1, 9, 9}, 4, 2);
        Linalg.gemm(a, false, b, false, big.slice0(1, 3), 2f, 0.5f, Rounding.DL4J);
        // a·b = [[5, 11], [14, 23]]; 2·ab + 0.5·1 in rows 1 and 2, rows 0 and 3 as they were
        assertArrayEquals(new float[] {9, 9, 10.5f, 22.5f, 28.5f, 46.5f, 9, 9}, big.toFloatArray());
        NDArray row = NDArray.zeros(1, 2), col = NDArray.zeros(2, 1);
        Linalg.gemm(a.slice0(0, 1), false, b, false, row, 1f, 0f, Rounding.DL4J);
        assertArrayEquals(new float[] {5, 11}, row.toFloatArray());
        Linalg.gemm(a, false, b.transpose().slice0(0, 1).transpose(), false, col, 1f, 0f, Rounding.DL4J);
        assertArrayEquals(new float[] {5, 14}, col.toFloatArray());
    }

    @Test
    void mmulAllocatesCOrderResult() {
        NDArray a = NDArray.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        NDArray b = NDArray.of(new float[] {1, 0, 0, 1, 1, 1}, 3, 2);
        NDArray out = Linalg.mmul(a, b);
        Ref.assertShape(new int[] {2, 2}, out);
        assertEquals(4f, out.getAt(0, 0));
        assertEquals(5f, out.getAt(0, 1));
        assertEquals(10f, out.getAt(1, 0));
        assertEquals(11f, out.getAt(1, 1));
    }

    @Test
    void betaZeroIgnoresNaNInOutput() {
        NDArray out = NDArray.zeros(1, 1).assign(Float.NaN);
        Linalg.mmul(NDArray.of(new float[] {2}, 1, 1), NDArray.of(new float[] {3}, 1, 1), out);
        assertEquals(6f, out.get(0));
    }

    @Test
    void rejectsMismatchedShapesAndOverlap() {
        NDArray a = NDArray.zeros(2, 3), b = NDArray.zeros(4, 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Linalg.mmul(a, b));
        assertTrue(e.getMessage().contains("[2,3]"), e.getMessage());
        NDArray sq = NDArray.zeros(2, 2);
        assertThrows(IllegalArgumentException.class, () -> Linalg.mmul(sq, sq, sq));
        assertThrows(IllegalArgumentException.class, () -> Linalg.mmul(NDArray.zeros(2), NDArray.zeros(2, 2)));
    }
}
