package org.dl4jbridge.nn.weights;

import java.nio.FloatBuffer;
import java.util.Random;

/** He: Gaussian N(0, 2/fanIn). */
public final class WeightInitRelu extends IWeightInit {
    @Override public void init(double fanIn, double fanOut, int[] shape, FloatBuffer buf, int off, int len, Random rng) {
        fillGaussian(Math.sqrt(2.0 / fanIn), buf, off, len, rng);
    }
}
