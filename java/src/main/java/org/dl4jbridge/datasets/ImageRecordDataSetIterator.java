package org.dl4jbridge.datasets;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.dl4jbridge.bridge.Interrupts;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.ndarray.Parallel;

/**
 * DL4J's {@code RecordReaderDataSetIterator} over an {@code ImageRecordReader}: minibatches of
 * {@code [mb, 3, H, W]} pixels (0..255 before the pre-processor) and one-hot labels
 * {@code [mb, nClasses]} from the files' parent folder names, in the files' order, the same order
 * after every {@link #reset()}.
 *
 * <p>Decoding runs ahead on {@code decoderThreads} background threads, up to {@code prefetch}
 * minibatches in order. The background threads run at a lower CPU priority (Linux, {@link ThreadNice}):
 * they use cores the consumer leaves idle but seldom preempt the engine's compute threads, whose
 * parallel loops would otherwise wait for the one worker a decoder displaced (on 2 cores a decoder
 * thread at normal priority can cost the network up to twice its own CPU time). Whatever photos of a batch
 * are still undecoded when the consumer asks for it are decoded then by the consumer together with
 * the engine's worker threads, photo by photo, so a slow background thread never leaves the cores
 * idle. The pre-processor runs when the batch is handed out.
 *
 * <p>A photo whose bytes do not decode is skipped with a warning on stderr naming it (its batch
 * is one example shorter; {@link #skippedFiles()} lists them); a file that cannot be read at all
 * fails the batch with an {@link UncheckedIOException} naming it.
 */
public final class ImageRecordDataSetIterator implements DataSetIterator, AutoCloseable {
    private static final AtomicInteger POOL_IDS = new AtomicInteger();

    private final List<Path> files;
    private final List<String> labels;
    private final int[] labelIndex;
    private final NativeImageLoader loader;
    private final int batchSize;
    private final int prefetch;
    private final ExecutorService pool;
    private final ArrayDeque<PendingBatch> ready = new ArrayDeque<>();
    private final List<Path> skipped = Collections.synchronizedList(new ArrayList<>());
    private volatile DataSetPreProcessor preProcessor;
    private int submitted; // batches handed to the decoders since the last reset
    private int returned;  // batches taken by the consumer since the last reset
    private boolean closed;

    public ImageRecordDataSetIterator(List<Path> files, List<String> labels, NativeImageLoader loader, int batchSize,
                                      int decoderThreads, int prefetch) {
        if (files == null || files.isEmpty()) throw new IllegalArgumentException("no image files given");
        if (labels == null || labels.isEmpty()) throw new IllegalArgumentException("no labels given");
        if (batchSize < 1) throw new IllegalArgumentException("batchSize = " + batchSize + " must be at least 1");
        if (decoderThreads < 1) throw new IllegalArgumentException("decoderThreads = " + decoderThreads + " must be at least 1");
        if (prefetch < 1) throw new IllegalArgumentException("prefetch = " + prefetch + " must be at least 1 batch");
        this.files = List.copyOf(files);
        this.labels = List.copyOf(labels);
        this.labelIndex = new int[this.files.size()];
        for (int i = 0; i < labelIndex.length; i++) {
            String label = ImageFolderSplit.labelOf(this.files.get(i));
            labelIndex[i] = this.labels.indexOf(label);
            if (labelIndex[i] < 0) {
                throw new IllegalArgumentException(this.files.get(i) + " has label '" + label + "' (its folder name), which is not "
                        + "among the labels " + this.labels);
            }
        }
        this.loader = loader;
        this.batchSize = batchSize;
        this.prefetch = prefetch;
        int id = POOL_IDS.incrementAndGet();
        AtomicInteger n = new AtomicInteger();
        ThreadFactory daemons = r -> {
            Thread t = new Thread(() -> {
                ThreadNice.lower();
                r.run();
            }, "dl4j-bridge-decoder-" + id + "-" + n.incrementAndGet());
            t.setDaemon(true); // a forgotten iterator must not keep the JVM alive
            return t;
        };
        ThreadPoolExecutor executor = new ThreadPoolExecutor(decoderThreads, decoderThreads, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), daemons);
        executor.allowCoreThreadTimeOut(true); // idle decoders of an iterator nobody closed go away by themselves
        this.pool = executor;
    }

    /** Decoder threads by default: half the cores (the other half trains), at least one. */
    public static int defaultDecoderThreads() {
        return Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
    }

    @Override
    public synchronized boolean hasNext() {
        while (returned < numBatches()) {
            fill();
            if (ready.peek().finish() != null) return true;
            ready.poll(); // every photo of that batch failed to decode: skip the empty batch
            returned++;
        }
        return false;
    }

    @Override
    public synchronized DataSet next() {
        if (!hasNext()) throw new NoSuchElementException("no more minibatches: call reset() to start another epoch");
        DataSet ds = ready.poll().finish();
        returned++;
        fill();
        return ds;
    }

    @Override
    public synchronized void reset() {
        cancelInFlight();
        submitted = 0;
        returned = 0;
    }

    @Override
    public int batch() { return batchSize; }

    @Override
    public List<String> getLabels() { return labels; }

    /** The pre-processor runs as each batch is handed out; batches decoding before this call are decoded again. */
    @Override
    public synchronized void setPreProcessor(DataSetPreProcessor preProcessor) {
        this.preProcessor = preProcessor;
        cancelInFlight();
        submitted = returned;
    }

    @Override
    public DataSetPreProcessor getPreProcessor() { return preProcessor; }

    /**
     * Files (path, size, modification time) with their labels, image size, channel order,
     * pre-processor and batch size; null when the pre-processor cannot describe itself. A file that
     * cannot be stat'ed makes the description null too (the cache then hashes the data).
     */
    @Override
    public String cacheIdentity() {
        DataSetPreProcessor pre = preProcessor;
        String preId = pre == null ? "none" : pre.cacheIdentity();
        if (preId == null) return null;
        StringBuilder sb = new StringBuilder("ImageRecordDataSetIterator v1")
                .append("\nimage ").append(loader.height()).append('x').append(loader.width())
                .append(' ').append(loader.channelOrder())
                .append("\npreprocessor ").append(preId)
                .append("\nbatch ").append(batchSize)
                .append("\nlabels ").append(labels);
        try {
            for (int i = 0; i < files.size(); i++) {
                Path f = files.get(i);
                sb.append('\n').append(labelIndex[i]).append(' ').append(f.toAbsolutePath())
                        .append(' ').append(Files.size(f)).append(' ').append(Files.getLastModifiedTime(f).to(TimeUnit.NANOSECONDS));
            }
        } catch (IOException e) {
            return null;
        }
        return sb.toString();
    }

    public int totalExamples() { return files.size(); }
    public int totalOutcomes() { return labels.size(); }
    public int numBatches() { return (files.size() + batchSize - 1) / batchSize; }
    /** The files in iteration order. */
    public List<Path> files() { return files; }
    /** Photos skipped so far because they did not decode. */
    public List<Path> skippedFiles() { synchronized (skipped) { return List.copyOf(skipped); } }
    public NativeImageLoader loader() { return loader; }

    @Override
    public synchronized void close() {
        closed = true;
        cancelInFlight();
        pool.shutdownNow();
    }

    private void fill() {
        if (closed) throw new IllegalStateException("this iterator was closed");
        while (ready.size() < prefetch && submitted < numBatches()) {
            PendingBatch p = new PendingBatch(submitted++, preProcessor);
            ready.add(p);
            pool.execute(p::work);
        }
    }

    private void cancelInFlight() {
        for (PendingBatch p : ready) p.cancelled = true;
        ready.clear();
    }

    /**
     * One minibatch being decoded: its photos are claimed one at a time by whichever thread comes
     * first (a background decoder, or the consumer and the engine's workers in {@link #finish}).
     */
    private final class PendingBatch {
        final int from, to;
        final DataSetPreProcessor pre;
        /** The consumer's thread: when its work is cancelled (Ctrl-C), the decoders stop too. */
        final Thread owner = Thread.currentThread();
        final NDArray features;
        final boolean[] decoded;
        final AtomicInteger nextPhoto;
        final CountDownLatch photosLeft;
        volatile boolean cancelled;
        volatile RuntimeException failure;
        private boolean finished;
        private DataSet result;

        PendingBatch(int b, DataSetPreProcessor pre) {
            this.from = b * batchSize;
            this.to = Math.min(files.size(), from + batchSize);
            this.pre = pre;
            this.features = NDArray.zeros(to - from, 3, loader.height(), loader.width());
            this.decoded = new boolean[to - from];
            this.nextPhoto = new AtomicInteger(from);
            this.photosLeft = new CountDownLatch(to - from);
        }

        /** Decodes unclaimed photos until none is left (or the batch was dropped or its consumer cancelled). */
        void work() {
            int per = loader.imageLength();
            for (int i; !cancelled && !Interrupts.isCancelled(owner) && (i = nextPhoto.getAndIncrement()) < to; ) {
                Path file = files.get(i);
                try {
                    loader.load(file, features.buffer(), features.offset() + (i - from) * per);
                    decoded[i - from] = true;
                } catch (UnreadableImageException e) {
                    skipped.add(file);
                    System.err.println("dl4j-bridge: WARNING: skipping " + file + ": it does not decode as an image ("
                            + e.getMessage() + ")");
                } catch (IOException e) {
                    failure = new UncheckedIOException("cannot read the image file " + file + ": " + e, e);
                } catch (RuntimeException e) {
                    failure = e;
                } catch (Error e) {
                    failure = new IllegalStateException("decoding " + file + " failed: " + e, e);
                } finally {
                    photosLeft.countDown();
                }
            }
        }

        /** The finished minibatch (pre-processor applied), or null when none of its photos decoded. */
        DataSet finish() {
            if (finished) return result;
            if (nextPhoto.get() < to) Parallel.range(Parallel.threads(), (lo, hi) -> work());
            // A cancelled consumer's workers may have left photos unclaimed, which nobody counts down:
            // stop here rather than wait for them. Without a cancellation every photo is claimed by now.
            Interrupts.check(owner, "reading images");
            try {
                photosLeft.await(); // photos a background decoder claimed and is still decoding
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for a decoded minibatch", e);
            }
            if (failure != null) throw failure;
            finished = true;
            result = assemble();
            return result;
        }

        private DataSet assemble() {
            int n = 0;
            for (boolean ok : decoded) if (ok) n++;
            if (n == 0) return null;
            NDArray x = features;
            int[] rows = new int[n];
            if (n < decoded.length) { // move the decoded photos together, in order
                int per = loader.imageLength();
                x = NDArray.zeros(n, 3, loader.height(), loader.width());
                for (int k = 0, r = 0; k < decoded.length; k++) {
                    if (!decoded[k]) continue;
                    x.slice0(r, r + 1).assign(features.slice0(k, k + 1));
                    rows[r++] = labelIndex[from + k];
                }
            } else {
                for (int k = 0; k < n; k++) rows[k] = labelIndex[from + k];
            }
            NDArray oneHot = NDArray.zeros(n, labels.size());
            for (int r = 0; r < n; r++) oneHot.putAt(1f, r, rows[r]);
            DataSet ds = new DataSet(x, oneHot);
            ds.setLabelNames(labels);
            if (pre != null) pre.preProcess(ds);
            return ds;
        }
    }
}
