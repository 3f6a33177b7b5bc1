package org.dl4jbridge.datasets;

import java.io.IOException;
import java.nio.file.Path;
import org.dl4jbridge.ndarray.NDArray;

/**
 * Loads a list of image files into one {@code [n, 3, height, width]} batch with the same decoding,
 * resizing and channel order as training ({@link NativeImageLoader}), then applies the model's
 * pre-processor: what prediction on new photos needs so that it sees exactly what training saw.
 */
public final class ImageBatch {
    private ImageBatch() {}

    public static NDArray load(String[] files, NativeImageLoader loader, DataSetPreProcessor preProcessor)
            throws IOException {
        if (files == null || files.length == 0) {
            throw new IllegalArgumentException("no image files given: pass at least one path");
        }
        NDArray batch = NDArray.zeros(files.length, 3, loader.height(), loader.width());
        for (int i = 0; i < files.length; i++) {
            loader.load(Path.of(files[i]), batch.buffer(), batch.offset() + i * loader.imageLength());
        }
        return preProcess(batch, preProcessor);
    }

    /** Applies {@code preProcessor} (may be null) to raw 0..255 planes in place and returns them. */
    public static NDArray preProcess(NDArray features, DataSetPreProcessor preProcessor) {
        if (preProcessor != null) {
            preProcessor.preProcess(new DataSet(features, NDArray.zeros(features.size(0), 1)));
        }
        return features;
    }
}
