package org.dl4jbridge.nn.params;

import java.nio.FloatBuffer;
import java.util.Random;
import org.dl4jbridge.nn.conf.layers.BaseLayer;
import org.dl4jbridge.nn.conf.layers.BatchNormalization;
import org.dl4jbridge.nn.conf.layers.Layer;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.nn.weights.IWeightInit;

/**
 * Initializes a layer's parameter slice: weights from the layer's weight init drawing from
 * {@code rng} in buffer order, biases = biasInit, batch norm gamma/beta from the configuration,
 * mean 0 and variance 1 (log10 std 0).
 */
public final class ParamInitializer {
    private ParamInitializer() {}

    public static void init(Layer layer, NDArray flat, int start, Random rng) {
        Layer l = ParamLayout.unwrap(layer);
        FloatBuffer buf = flat.buffer();
        int base = flat.offset() + start;
        double[] fans = ParamLayout.fans(l);
        for (ParamLayout.Entry e : ParamLayout.of(l)) {
            int off = base + e.offset();
            switch (e.kind()) {
                case WEIGHT -> {
                    IWeightInit w = ((BaseLayer) l).getWeightInitFn();
                    if (w == null) throw new IllegalStateException("layer '" + l.getLayerName() + "' has no weight init");
                    w.init(fans[0], fans[1], e.shape(), buf, off, e.length(), rng);
                }
                case BIAS -> fill(buf, off, e.length(), biasInit((BaseLayer) l));
                case BN_GAMMA -> fill(buf, off, e.length(), ((BatchNormalization) l).getGamma());
                case BN_BETA -> fill(buf, off, e.length(), ((BatchNormalization) l).getBeta());
                case BN_MEAN, BN_LOG10STD -> fill(buf, off, e.length(), 0.0);
                case BN_VAR -> fill(buf, off, e.length(), 1.0);
            }
        }
    }

    private static double biasInit(BaseLayer l) { return Double.isNaN(l.getBiasInit()) ? 0.0 : l.getBiasInit(); }

    private static void fill(FloatBuffer buf, int off, int n, double v) {
        for (int i = 0; i < n; i++) buf.put(off + i, (float) v);
    }
}
