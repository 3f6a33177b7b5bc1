package org.dl4jbridge.nn.weights;

import java.nio.FloatBuffer;
import java.util.Random;

/** Uniform U(-s, s), s = sqrt(3/fanIn). */
public final class WeightInitLecunUniform extends IWeightInit {
    @Override public void init(double fanIn, double fanOut, int[] shape, FloatBuffer buf, int off, int len, Random rng) {
        fillUniform(Math.sqrt(3.0 / fanIn), buf, off, len, rng);
    }
}
