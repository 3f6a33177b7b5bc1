package org.dl4jbridge.spark;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.dl4jbridge.datasets.DataSetPreProcessor;
import org.dl4jbridge.datasets.ImageBatch;
import org.dl4jbridge.datasets.NativeImageLoader;
import org.dl4jbridge.ndarray.NDArray;

/**
 * One partition of image rows in, the same rows out with the network's result per image: decodes
 * and batches inside the task ({@code batchSize} images at a time, so memory stays bounded), runs
 * the network once per batch, and keeps the input order. An image that cannot be read or decoded
 * comes out as its row with a null result and the reason in the error column; the job goes on.
 *
 * <p>Output row: the input's columns except {@code content}, then {@code outputs(...)}'s columns,
 * then {@code error}.
 */
final class ImageRows implements Iterator<Row> {
    /** What the network makes of one batch, and how a result becomes columns. */
    interface Network extends Serializable {
        /** {@code [n, 3, H, W]} pre-processed batch in, {@code [n, k]} (or {@code [n, ...]}) out. */
        NDArray run(NDArray batch);

        /** The result columns of one image ({@code values} null when it failed). */
        Object[] columns(float[] values, ImageSpec spec);

        int width(); // how many result columns columns() returns
    }

    private final Iterator<Row> input;
    private final int pathField;
    private final int contentField; // -1: read the bytes from the path
    private final int[] keptFields;
    private final ImageSpec spec;
    private final Network network;
    private final NativeImageLoader loader;
    private final DataSetPreProcessor preProcessor;
    private final List<Row> ready = new ArrayList<>();
    private int next;
    private Configuration hadoop;

    ImageRows(Iterator<Row> input, int pathField, int contentField, int[] keptFields, ImageSpec spec, Network network) {
        this.input = input;
        this.pathField = pathField;
        this.contentField = contentField;
        this.keptFields = keptFields;
        this.spec = spec;
        this.network = network;
        this.loader = spec.loader();
        this.preProcessor = spec.preProcessor();
    }

    @Override
    public boolean hasNext() {
        if (next < ready.size()) return true;
        ready.clear();
        next = 0;
        if (!input.hasNext()) return false;
        runBatch();
        return true;
    }

    @Override
    public Row next() {
        if (!hasNext()) throw new NoSuchElementException();
        return ready.get(next++);
    }

    private void runBatch() {
        List<Row> rows = new ArrayList<>(spec.batchSize());
        while (rows.size() < spec.batchSize() && input.hasNext()) rows.add(input.next());
        NDArray batch = NDArray.zeros(rows.size(), 3, spec.height(), spec.width());
        String[] errors = new String[rows.size()];
        int[] slot = new int[rows.size()];
        int decoded = 0;
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            String path = r.isNullAt(pathField) ? null : r.getString(pathField);
            try {
                byte[] bytes = contentField >= 0 && !r.isNullAt(contentField) ? (byte[]) r.get(contentField) : read(path);
                loader.load(bytes, path, batch.buffer(), batch.offset() + decoded * loader.imageLength());
                slot[i] = decoded++;
            } catch (IOException | RuntimeException e) {
                // One bad photo must not fail a job over millions: the row says what went wrong.
                errors[i] = e.getClass().getSimpleName() + ": " + e.getMessage();
                slot[i] = -1;
            }
        }
        float[][] results = new float[rows.size()][];
        if (decoded > 0) {
            NDArray input = decoded == rows.size() ? batch : firstImages(batch, decoded);
            NDArray out = network.run(ImageBatch.preProcess(input, preProcessor));
            int per = out.length() / decoded;
            float[] flat = out.toFloatArray();
            for (int i = 0; i < rows.size(); i++) {
                if (slot[i] < 0) continue;
                results[i] = new float[per];
                System.arraycopy(flat, slot[i] * per, results[i], 0, per);
            }
        }
        for (int i = 0; i < rows.size(); i++) ready.add(outputRow(rows.get(i), results[i], errors[i]));
    }

    private NDArray firstImages(NDArray batch, int n) {
        NDArray out = NDArray.zeros(n, 3, spec.height(), spec.width());
        float[] all = batch.toFloatArray();
        out.buffer().put(out.offset(), all, 0, n * loader.imageLength());
        return out;
    }

    private byte[] read(String path) throws IOException {
        if (path == null) throw new IOException("the row has no path and no content");
        if (hadoop == null) hadoop = new Configuration();
        // Hadoop's file systems: file:, hdfs:, s3a:, ... whatever the cluster is configured for.
        Path p = new Path(path);
        FileSystem fs = p.getFileSystem(hadoop);
        try (InputStream in = fs.open(p)) {
            return in.readAllBytes();
        }
    }

    private Row outputRow(Row in, float[] values, String error) {
        Object[] cols = network.columns(values, spec);
        Object[] out = new Object[keptFields.length + cols.length + 1];
        for (int i = 0; i < keptFields.length; i++) out[i] = in.get(keptFields[i]);
        System.arraycopy(cols, 0, out, keptFields.length, cols.length);
        out[out.length - 1] = error;
        return RowFactory.create(out);
    }
}
