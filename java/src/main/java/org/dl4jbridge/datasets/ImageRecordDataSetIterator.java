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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.dl4jbridge.ndarray.NDArray;

/**
 * DL4J's {@code RecordReaderDataSetIterator} over an {@code ImageRecordReader}: minibatches of
 * {@code [mb, 3, H, W]} pixels (0..255 before the pre-processor) and one-hot labels
 * {@code [mb, nClasses]} from the files' parent folder names, in the files' order, the same order
 * after every {@link #reset()}.
 *
 * <p>Decoding runs ahead on {@code decoderThreads} background threads, up to {@code prefetch}
 * whole minibatches (pre-processor applied) waiting in order, so the consumer finds the next batch
 * ready. A photo whose bytes do not decode is skipped with a warning on stderr naming it (its batch
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
    private final ArrayDeque<Future<DataSet>> ready = new ArrayDeque<>();
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
            Thread t = new Thread(r, "dl4j-bridge-decoder-" + id + "-" + n.incrementAndGet());
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
            Future<DataSet> head = ready.peek();
            if (await(head) != null) return true;
            ready.poll(); // every photo of that batch failed to decode: skip the empty batch
            returned++;
        }
        return false;
    }

    @Override
    public synchronized DataSet next() {
        if (!hasNext()) throw new NoSuchElementException("no more minibatches: call reset() to start another epoch");
        DataSet ds = await(ready.poll());
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

    /** The pre-processor runs on the decoder threads; batches decoded before this call are decoded again. */
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
            int b = submitted++;
            DataSetPreProcessor pre = preProcessor;
            ready.add(pool.submit(() -> decodeBatch(b, pre)));
        }
    }

    private void cancelInFlight() {
        for (Future<DataSet> f : ready) f.cancel(false);
        ready.clear();
    }

    private DataSet decodeBatch(int b, DataSetPreProcessor pre) {
        int from = b * batchSize, to = Math.min(files.size(), from + batchSize);
        int per = loader.imageLength();
        NDArray features = NDArray.zeros(to - from, 3, loader.height(), loader.width());
        int[] rows = new int[to - from];
        int n = 0;
        for (int i = from; i < to; i++) {
            Path file = files.get(i);
            try {
                loader.load(file, features.buffer(), features.offset() + n * per);
                rows[n++] = labelIndex[i];
            } catch (UnreadableImageException e) {
                skipped.add(file);
                System.err.println("dl4j-bridge: WARNING: skipping " + file + ": it does not decode as an image ("
                        + e.getMessage() + ")");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the image file " + file + ": " + e, e);
            }
        }
        if (n == 0) return null;
        if (n < to - from) features = features.slice0(0, n).dup();
        NDArray oneHot = NDArray.zeros(n, labels.size());
        for (int r = 0; r < n; r++) oneHot.putAt(1f, r, rows[r]);
        DataSet ds = new DataSet(features, oneHot);
        ds.setLabelNames(labels);
        if (pre != null) pre.preProcess(ds);
        return ds;
    }

    private static DataSet await(Future<DataSet> f) {
        try {
            return f.get();
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException re) throw re;
            if (c instanceof Error err) throw err;
            throw new IllegalStateException("decoding failed: " + c, c);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a decoded minibatch", e);
        }
    }
}
