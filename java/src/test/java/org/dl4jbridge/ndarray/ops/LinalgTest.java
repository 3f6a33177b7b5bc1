package org.dl4jbridge.ndarray.ops;

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

    @Test
    void gemmMatchesTorchForEveryTransposeAndLayout() {
        int count = (int) REF.scalar("count");
        for (int i = 0; i < count; i++) {
            String p = "c" + i + "_";
            double[] meta = REF.raw(p + "meta").data();
            NDArray a = layout(REF.raw(p + "a"), meta[2] != 0);
            NDArray b = layout(REF.raw(p + "b"), meta[3] != 0);
            NDArray c = layout(REF.raw(p + "c0"), meta[4] != 0);
            Linalg.gemm(a, meta[0] != 0, b, meta[1] != 0, c, (float) meta[5], (float) meta[6]);
            REF.assertClose(p + "out", c);
        }
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
