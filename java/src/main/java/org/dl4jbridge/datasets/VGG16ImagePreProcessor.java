package org.dl4jbridge.datasets;

import org.dl4jbridge.ndarray.NDArray;

/**
 * DL4J's VGG16ImagePreProcessor (DL4J_SPEC 4.4): subtracts the ImageNet means of the B, G and R
 * planes (channels 0, 1, 2 of NCHW input, i.e. BGR as NativeImageLoader gives) and nothing else:
 * no scaling, pixels stay on the 0..255 scale.
 */
public final class VGG16ImagePreProcessor implements DataSetPreProcessor {
    public static final float[] VGG_MEAN_OFFSET_BGR = {103.939f, 116.779f, 123.68f};

    @Override
    public void preProcess(DataSet dataSet) {
        apply(dataSet.getFeatures(), -1);
    }

    @Override
    public String cacheIdentity() { return getClass().getName() + java.util.Arrays.toString(VGG_MEAN_OFFSET_BGR); }

    /** Adds the means back (DL4J: revertFeatures). */
    public void revertFeatures(NDArray features) {
        apply(features, +1);
    }

    private static void apply(NDArray features, int sign) {
        PlaneOps.requireImageBatch(features, "VGG16ImagePreProcessor");
        PlaneOps.forEachPlane(features, (buf, from, to, channel) -> {
            float m = sign * VGG_MEAN_OFFSET_BGR[channel];
            for (int i = from; i < to; i++) buf.put(i, buf.get(i) + m);
        });
    }
}
