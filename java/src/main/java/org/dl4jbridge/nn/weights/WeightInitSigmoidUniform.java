package org.dl4jbridge.nn.weights;

import java.nio.FloatBuffer;
import java.util.Random;

/** Uniform U(-r, r), r = 4*sqrt(6/(fanIn+fanOut)). */
public final class WeightInitSigmoidUniform extends IWeightInit {
    @Override public void init(double fanIn, double fanOut, int[] shape, FloatBuffer buf, int off, int len, Random rng) {
        fillUniform(4.0 * Math.sqrt(6.0 / (fanIn + fanOut)), buf, off, len, rng);
    }
}
