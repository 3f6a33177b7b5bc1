package org.dl4jbridge.nn.weights;

import java.nio.FloatBuffer;
import java.util.Random;

/** He uniform: U(-s, s), s = sqrt(6/fanIn). */
public final class WeightInitReluUniform extends IWeightInit {
    @Override public void init(double fanIn, double fanOut, int[] shape, FloatBuffer buf, int off, int len, Random rng) {
        fillUniform(Math.sqrt(6.0 / fanIn), buf, off, len, rng);
    }
}
