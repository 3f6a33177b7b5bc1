package org.dl4jbridge.datasets;

/**
 * EfficientNet-Lite0's input scaling (EFFNET_LITE0.md section 2): {@code (x - 127) / 128} on every
 * sample of RGB input (use an RGB loader; BGR input costs about 10 accuracy points), computed in
 * float32, no per-channel mean or std.
 */
public final class EfficientNetLitePreProcessor implements DataSetPreProcessor {
    public static final float MEAN = 127f;
    public static final float SCALE = 128f;

    @Override
    public String cacheIdentity() { return getClass().getName() + "(x-" + MEAN + ")/" + SCALE; }

    @Override
    public void preProcess(DataSet dataSet) {
        PlaneOps.requireImageBatch(dataSet.getFeatures(), "EfficientNetLitePreProcessor");
        PlaneOps.forEachPlane(dataSet.getFeatures(), (buf, from, to, channel) -> {
            for (int i = from; i < to; i++) buf.put(i, (buf.get(i) - MEAN) / SCALE);
        });
    }
}
