package org.dl4jbridge.spark;

import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import org.dl4jbridge.datasets.ChannelOrder;
import org.dl4jbridge.datasets.DataSetPreProcessor;
import org.dl4jbridge.datasets.NativeImageLoader;

/**
 * How executors turn image bytes into the model's input: the same decoder, resize, plane order
 * and pre-processor as the single-machine path (NativeImageLoader + the model's DataSetPreProcessor),
 * plus the class labels in the model's output order and the minibatch size. Small and serializable:
 * it travels inside every task.
 */
public final class ImageSpec implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final String PREPROCESSOR_PACKAGE = "org.dl4jbridge.datasets.";

    private final String[] labels;
    private final int height;
    private final int width;
    private final String channelOrder;
    private final String preProcessor; // simple class name in org.dl4jbridge.datasets, or null for raw 0..255 planes
    private final int batchSize;

    public ImageSpec(String[] labels, int height, int width, String channelOrder, String preProcessor, int batchSize) {
        if (labels == null || labels.length == 0) {
            throw new IllegalArgumentException("no class labels given: pass the labels in the model's output order "
                    + "(a zip written by dl4j-bridge carries them in its metadata)");
        }
        if (height < 1 || width < 1) throw new IllegalArgumentException("image size " + height + "x" + width + " must be positive");
        if (batchSize < 1) throw new IllegalArgumentException("batchSize = " + batchSize + " must be at least 1");
        ChannelOrder.valueOf(channelOrder); // fails early on e.g. "rgb"
        this.labels = labels.clone();
        this.height = height;
        this.width = width;
        this.channelOrder = channelOrder;
        this.preProcessor = preProcessor == null || preProcessor.isBlank() ? null : preProcessor;
        this.batchSize = batchSize;
        preProcessor(); // an unknown pre-processor name fails on the driver, not in a task
    }

    public String[] labels() { return labels.clone(); }
    public List<String> labelList() { return List.of(labels); }
    public int numClasses() { return labels.length; }
    public int height() { return height; }
    public int width() { return width; }
    public int batchSize() { return batchSize; }

    public NativeImageLoader loader() {
        return new NativeImageLoader(height, width, 3, ChannelOrder.valueOf(channelOrder));
    }

    public DataSetPreProcessor preProcessor() {
        if (preProcessor == null) return null;
        try {
            return (DataSetPreProcessor) Class.forName(PREPROCESSOR_PACKAGE + preProcessor).getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | ClassCastException e) {
            throw new IllegalArgumentException("unknown pre-processor '" + preProcessor + "': expected a DataSetPreProcessor "
                    + "class of " + PREPROCESSOR_PACKAGE + " such as EfficientNetLitePreProcessor or VGG16ImagePreProcessor", e);
        }
    }

    /** The class index of a label value: its position among the labels (a String) or the index itself (a number). */
    public int classIndex(Object label) {
        if (label instanceof Number n) {
            int k = n.intValue();
            if (k < 0 || k >= labels.length) {
                throw new IllegalArgumentException("label " + k + " is outside the model's " + labels.length + " classes");
            }
            return k;
        }
        int k = Arrays.asList(labels).indexOf(String.valueOf(label));
        if (k < 0) throw new IllegalArgumentException("label '" + label + "' is not one of the model's classes " + Arrays.toString(labels));
        return k;
    }

    @Override
    public String toString() {
        return "ImageSpec" + Arrays.toString(labels) + " " + height + "x" + width + " " + channelOrder + " "
                + (preProcessor == null ? "raw" : preProcessor) + " batch " + batchSize;
    }
}
