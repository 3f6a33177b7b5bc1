package org.dl4jbridge.ndarray.ops;

import java.lang.ref.WeakReference;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Consumer;
import org.dl4jbridge.ndarray.NDArray;

/**
 * Winograd-transformed weights kept between calls, for inference: a layer's weights do not change
 * from batch to batch, and transforming them (in double, one 3x3 filter at a time) costs a few
 * percent of a VGG16 batch.
 *
 * <p>An entry is found by the weights' buffer (held weakly), offset, shape and tile, and used only
 * when the weights are still equal, element for element, to the copy taken when the entry was
 * made: that comparison is a vectorised memory compare, tens of times cheaper than the transform,
 * and it sees every way a parameter can change (setParams, fit, an in-place update through a view,
 * batch-norm folding into a reused buffer) without any writer having to report it. Changed weights
 * get a fresh entry; an entry's transformed buffer is never rewritten, so a thread still using it is
 * unaffected.
 *
 * <p>Entries are dropped least recently used first once the cached floats (copies plus transformed
 * weights) pass the budget the caller gives ({@link WinogradConfig#weightCacheFloats}).
 */
final class WinogradWeightCache {
    private record Entry(WeakReference<FloatBuffer> buffer, int offset, int cout, int cin, Winograd.Tile tile,
                         FloatBuffer raw, FloatBuffer transformed, long[] lastUse) {
        long floats() { return (long) raw.capacity() + transformed.capacity(); }
    }

    private static final List<Entry> ENTRIES = new ArrayList<>();
    private static long clock;
    /** Transforms done (misses), for tests: a hit must not transform. */
    static final java.util.concurrent.atomic.AtomicLong TRANSFORMS = new java.util.concurrent.atomic.AtomicLong();

    private WinogradWeightCache() {}

    /**
     * The transformed weights of {@code w} ([cout, cin, 3, 3], contiguous) for {@code tile}: the
     * cached ones when {@code w} still holds the values they were made from, else freshly made by
     * {@code transform} (which fills the buffer it is given) and cached within {@code budget} floats;
     * the caller makes sure the entry alone fits ({@link #floats}).
     */
    static FloatBuffer get(NDArray w, Winograd.Tile tile, int cout, int cin, long budget, Consumer<FloatBuffer> transform) {
        int len = cout * cin * 9;
        FloatBuffer wb = w.buffer();
        synchronized (ENTRIES) {
            for (Iterator<Entry> it = ENTRIES.iterator(); it.hasNext(); ) {
                Entry e = it.next();
                FloatBuffer b = e.buffer.get();
                if (b == null) {
                    it.remove();
                    continue;
                }
                if (b != wb || e.offset != w.offset() || e.cout != cout || e.cin != cin || e.tile != tile) continue;
                if (wb.slice(w.offset(), len).mismatch(e.raw) == -1) {
                    e.lastUse[0] = ++clock;
                    return e.transformed;
                }
                it.remove(); // the weights changed: this entry can never match again
                break;
            }
        }
        TRANSFORMS.incrementAndGet();
        long need = floats(tile, cout, cin);
        FloatBuffer u = NDArray.allocate(tile.positions * cout * cin);
        transform.accept(u);
        FloatBuffer raw = NDArray.allocate(len);
        Buffers.copy(wb, w.offset(), raw, 0, len);
        synchronized (ENTRIES) {
            long used = need;
            for (Entry e : ENTRIES) used += e.floats();
            while (used > budget && !ENTRIES.isEmpty()) {
                Entry oldest = ENTRIES.get(0);
                for (Entry e : ENTRIES) if (e.lastUse[0] < oldest.lastUse[0]) oldest = e;
                ENTRIES.remove(oldest);
                used -= oldest.floats();
            }
            ENTRIES.add(new Entry(new WeakReference<>(wb), w.offset(), cout, cin, tile, raw, u, new long[] {++clock}));
        }
        return u;
    }

    /** Floats one entry holds: the weights' copy and their transform. */
    static long floats(Winograd.Tile tile, int cout, int cin) {
        return (long) cout * cin * (9 + tile.positions);
    }

    /** Drops every entry (tests start from an empty cache). */
    static void clear() {
        synchronized (ENTRIES) {
            ENTRIES.clear();
        }
    }
}
