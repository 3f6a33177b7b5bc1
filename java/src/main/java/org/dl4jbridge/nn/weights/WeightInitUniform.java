package org.dl4jbridge.nn.weights;

import java.nio.FloatBuffer;
import java.util.Random;

/** Uniform U(-a, a), a = 1/sqrt(fanIn). */
public final class WeightInitUniform extends IWeightInit {
    @Override public void init(double fanIn, double fanOut, int[] shape, FloatBuffer buf, int off, int len, Random rng) {
        fillUniform(1.0 / Math.sqrt(fanIn), buf, off, len, rng);
    }
}
