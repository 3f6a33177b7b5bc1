package org.dl4jbridge.nn.weights;

import java.nio.FloatBuffer;
import java.util.Random;

/** Gaussian N(0, 1/fanIn) (WeightInit NORMAL, LECUN_NORMAL, XAVIER_FAN_IN). */
public final class WeightInitNormal extends IWeightInit {
    @Override public void init(double fanIn, double fanOut, int[] shape, FloatBuffer buf, int off, int len, Random rng) {
        fillGaussian(Math.sqrt(1.0 / fanIn), buf, off, len, rng);
    }
}
