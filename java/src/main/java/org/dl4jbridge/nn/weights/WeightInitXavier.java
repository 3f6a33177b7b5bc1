package org.dl4jbridge.nn.weights;

import java.nio.FloatBuffer;
import java.util.Random;

/** Gaussian N(0, 2/(fanIn+fanOut)). */
public final class WeightInitXavier extends IWeightInit {
    @Override public void init(double fanIn, double fanOut, int[] shape, FloatBuffer buf, int off, int len, Random rng) {
        fillGaussian(Math.sqrt(2.0 / (fanIn + fanOut)), buf, off, len, rng);
    }
}
