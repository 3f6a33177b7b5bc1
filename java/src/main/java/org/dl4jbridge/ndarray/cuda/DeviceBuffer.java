package org.dl4jbridge.ndarray.cuda;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.lang.ref.Cleaner;
import java.nio.FloatBuffer;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A float array in GPU memory. Freed by {@link #close} or, if never closed, when the garbage
 * collector finds it unreachable (a Cleaner, not a finalizer), so a dropped model does not keep
 * its device memory. {@link #liveBytes} counts what is held, for the tests and doctor.
 */
public final class DeviceBuffer implements AutoCloseable {
    private static final Cleaner CLEANER = Cleaner.create();
    private static final AtomicLong LIVE = new AtomicLong(), PEAK = new AtomicLong();

    private final CudaDevice device;
    private final long floats;
    private final Pointer ptr;
    private final Cleaner.Cleanable cleanable;

    /** The action that frees; holds no reference to the buffer, else the buffer would never become unreachable. */
    private record Free(Natives.Runtime rt, Pointer ptr, long bytes) implements Runnable {
        @Override public void run() {
            rt.cudaFree(ptr);
            LIVE.addAndGet(-bytes);
        }
    }

    public DeviceBuffer(CudaDevice device, long floats) {
        this.device = device;
        this.floats = floats;
        long bytes = floats * Float.BYTES;
        this.ptr = device.malloc(bytes);
        PEAK.accumulateAndGet(LIVE.addAndGet(bytes), Math::max);
        this.cleanable = CLEANER.register(this, new Free(device.rt, ptr, bytes));
    }

    public Pointer pointer() { return ptr; }
    public long length() { return floats; }

    /** Device memory held by buffers not yet freed, in bytes. */
    public static long liveBytes() { return LIVE.get(); }

    /** The most {@link #liveBytes} has been since the last {@link #resetPeak} (cuBLAS/cuDNN's own allocations not included). */
    public static long peakBytes() { return PEAK.get(); }

    public static void resetPeak() { PEAK.set(LIVE.get()); }

    /** Fills the buffer with NaN (all bits set), so that a check sees any element an op failed to write. */
    public void poison() {
        device.check(device.rt.cudaMemsetAsync(ptr, 0xFF, floats * Float.BYTES, device.stream), "cudaMemsetAsync");
    }

    /** Copies {@code n} floats from a direct buffer (starting at its float offset) to this buffer's start. */
    public void upload(FloatBuffer src, int offset, long n) {
        requireDirect(src);
        requireLength(n);
        device.check(device.rt.cudaMemcpyAsync(ptr, Native.getDirectBufferPointer(src).share(4L * offset), 4L * n,
                CudaDevice.MEMCPY_HOST_TO_DEVICE, device.stream), "cudaMemcpyAsync(host to device)");
    }

    /** Copies the first {@code n} floats of this buffer into a direct buffer at its float offset; waits for the copy. */
    public void download(FloatBuffer dst, int offset, long n) {
        requireDirect(dst);
        requireLength(n);
        device.check(device.rt.cudaMemcpyAsync(Native.getDirectBufferPointer(dst).share(4L * offset), ptr, 4L * n,
                CudaDevice.MEMCPY_DEVICE_TO_HOST, device.stream), "cudaMemcpyAsync(device to host)");
        device.synchronize();
    }

    private void requireLength(long n) {
        if (n < 0 || n > floats) throw new IllegalArgumentException(n + " floats do not fit a device buffer of " + floats);
    }

    private static void requireDirect(FloatBuffer b) {
        if (!b.isDirect()) throw new IllegalArgumentException("device copies need a direct (off-heap) FloatBuffer");
    }

    @Override
    public void close() { cleanable.clean(); }
}
