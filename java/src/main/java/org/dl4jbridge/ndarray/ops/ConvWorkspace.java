package org.dl4jbridge.ndarray.ops;

import java.nio.FloatBuffer;
import org.dl4jbridge.ndarray.NDArray;

/**
 * Per-thread scratch for the convolution and pooling kernels: off-heap buffers (the im2col
 * matrices and GEMM outputs BLAS reads in place) and heap rows (for loops the JIT vectorises).
 * Buffers grow to the largest request and are then reused, so a network's forward pass allocates
 * nothing large per batch. {@link #releaseCurrentThread()} hands the memory back.
 */
public final class ConvWorkspace {
    /** Slots, so that buffers needed at the same time never alias. */
    static final int COLUMNS = 0, GEMM_OUT = 1, PACKED_WEIGHTS = 2, GRAD_COLUMNS = 3;
    /** A strided {@link ChwnMBConv} block's input with its columns split by phase, beside its GEMM_OUT. */
    static final int PHASES = 4;
    /**
     * The heap row slot of a fused stem's image rows ({@link FusedMBConv#forwardWithStem}), beside slots 0-5 that
     * the block kernels number themselves.
     */
    static final int STEM_ROWS = 6;
    private static final int SLOTS = 5, HEAP_SLOTS = 7;

    private static final ThreadLocal<ConvWorkspace> LOCAL = ThreadLocal.withInitial(ConvWorkspace::new);

    private final FloatBuffer[] direct = new FloatBuffer[SLOTS];
    private final float[][] heap = new float[HEAP_SLOTS][];

    private ConvWorkspace() {}

    static ConvWorkspace get() { return LOCAL.get(); }

    /** Frees the calling thread's scratch (the next call allocates afresh). */
    public static void releaseCurrentThread() { LOCAL.remove(); }

    /** Off-heap scratch of at least {@code n} floats; contents are undefined. */
    FloatBuffer direct(int slot, int n) {
        FloatBuffer b = direct[slot];
        if (b == null || b.capacity() < n) {
            direct[slot] = null; // let the old one go before the new one is allocated
            b = NDArray.allocate(n);
            direct[slot] = b;
        }
        return b;
    }

    /** Heap scratch of at least {@code n} floats; contents are undefined. */
    float[] heap(int slot, int n) {
        float[] a = heap[slot];
        if (a == null || a.length < n) {
            a = new float[Math.max(n, 64)];
            heap[slot] = a;
        }
        return a;
    }
}
