package org.dl4jbridge.ndarray;

import java.nio.FloatBuffer;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A pool of off-heap buffers for activations that live only during one forward pass.
 *
 * <p>Direct buffers are expensive to create (zeroing, page faults) and are freed only by the
 * garbage collector, which the JDK forces (with sleeps) once the direct-memory limit is hit; a
 * network that allocates every activation afresh spends much of its time there. Buffers given back
 * here are handed out again, smallest fitting first, so repeated batches of one shape allocate
 * nothing after the first. Contents of a taken array are undefined: callers overwrite every element.
 * Not thread-safe: one pool serves one network's forward passes.
 */
public final class Workspace {
    private final TreeMap<Integer, ArrayDeque<FloatBuffer>> free = new TreeMap<>();
    private final Set<FloatBuffer> owned = Collections.newSetFromMap(new IdentityHashMap<>());
    private long freeFloats;
    private long allocatedFloats;

    /** A c-order array of {@code shape} on a pooled buffer; its contents are undefined. */
    public NDArray take(int... shape) {
        int n = NDArray.lengthOf(shape);
        Map.Entry<Integer, ArrayDeque<FloatBuffer>> fit = free.ceilingEntry(n);
        FloatBuffer buf;
        if (fit != null) {
            buf = fit.getValue().pop();
            if (fit.getValue().isEmpty()) free.remove(fit.getKey());
            freeFloats -= buf.capacity();
        } else {
            buf = NDArray.allocate(n);
            owned.add(buf);
            allocatedFloats += n;
        }
        return NDArray.wrap(buf, 0, shape);
    }

    /** Whether {@code a} lives on a buffer of this pool. */
    public boolean owns(NDArray a) { return owned.contains(a.buffer()); }

    /** Returns the buffer under {@code a} (taken from this pool) for reuse; {@code a} must not be read afterwards. */
    public void give(NDArray a) {
        FloatBuffer buf = a.buffer();
        if (!owned.contains(buf)) throw new IllegalArgumentException("this buffer was not taken from the workspace");
        free.computeIfAbsent(buf.capacity(), k -> new ArrayDeque<>()).push(buf);
        freeFloats += buf.capacity();
    }

    /** Floats held by buffers waiting for reuse. */
    public long freeFloats() { return freeFloats; }

    /** Floats allocated so far (never decreases): unchanged over a pass means the pass allocated nothing. */
    public long allocatedFloats() { return allocatedFloats; }

    /** Forgets every buffer (the garbage collector frees them once no array refers to them). */
    public void clear() {
        free.clear();
        owned.clear();
        freeFloats = 0;
    }
}
