package org.dl4jbridge.nn.weights;

import java.nio.FloatBuffer;
import java.util.Random;

/** Uniform U(-s, s), s = sqrt(6/(fanIn+fanOut)). */
public final class WeightInitXavierUniform extends IWeightInit {
    @Override public void init(double fanIn, double fanOut, int[] shape, FloatBuffer buf, int off, int len, Random rng) {
        fillUniform(Math.sqrt(6.0 / (fanIn + fanOut)), buf, off, len, rng);
    }
}
