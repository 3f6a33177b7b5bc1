package org.dl4jbridge.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The reference itself: DL4J's ND4J loads its native backend (linux-x86_64 only) and computes. */
class Dl4jSmokeTest {
    @Test
    void nd4jNativeBackendComputes() {
        INDArray a = Nd4j.create(new float[] {1, 2, 3, 4}, new long[] {2, 2});
        INDArray b = a.mmul(a);
        assertEquals(7f, b.getFloat(0, 0), 0f);
        assertEquals(22f, b.getFloat(1, 1), 0f);
        assertEquals("CpuBackend", Nd4j.getBackend().getClass().getSimpleName());
    }
}
