package org.dl4jbridge.ndarray;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class NDArrayTest {
    @Test
    void fOrderViewPlacesElementsColumnMajor() {
        // DL4J dense W [nIn=2, nOut=3] is stored f-order in the flat parameter vector (spec 2.7).
        NDArray flat = NDArray.of(new float[] {0, 1, 2, 3, 4, 5, 6, 7}, 8);
        NDArray w = flat.flatView(1, 'f', 2, 3);
        assertEquals(1f, w.getAt(0, 0));
        assertEquals(2f, w.getAt(1, 0));
        assertEquals(3f, w.getAt(0, 1));
        assertEquals(6f, w.getAt(1, 2));
        w.putAt(-1f, 1, 1);
        assertEquals(-1f, flat.get(4), "views write through to the parameter vector");
        assertArrayEquals(new float[] {1, 3, 5, 2, -1, 6}, w.toFloatArray(), "toFloatArray is c-order");
    }

    @Test
    void reshapeRejectsWrongLengthNamingBothShapes() {
        NDArray a = NDArray.zeros(2, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.reshape(4, 2));
        assertTrue(e.getMessage().contains("[2, 3]") && e.getMessage().contains("[4, 2]"));
    }

    @Test
    void transposeAndDupGiveContiguousCopies() {
        NDArray a = NDArray.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        NDArray t = a.transpose();
        assertFalse(t.isContiguous());
        NDArray d = t.dup();
        assertTrue(d.isContiguous());
        assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, d.toFloatArray());
        assertArrayEquals(new float[] {3, 4, 5, 6}, a.reshape(6).flatSlice(2, 4).toFloatArray());
        assertArrayEquals(new float[] {4, 5, 6}, a.slice0(1, 2).toFloatArray());
    }
}
