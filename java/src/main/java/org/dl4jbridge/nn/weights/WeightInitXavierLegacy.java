package org.dl4jbridge.nn.weights;

import java.nio.FloatBuffer;
import java.util.Random;

/** Gaussian N(0, 1/(shape[0]+shape[1])) (DL4J's legacy Xavier). */
public final class WeightInitXavierLegacy extends IWeightInit {
    @Override public void init(double fanIn, double fanOut, int[] shape, FloatBuffer buf, int off, int len, Random rng) {
        fillGaussian(Math.sqrt(1.0 / (shape[0] + shape[1])), buf, off, len, rng);
    }
}
