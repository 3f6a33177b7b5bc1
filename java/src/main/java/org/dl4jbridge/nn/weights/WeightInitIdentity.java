package org.dl4jbridge.nn.weights;

import java.nio.FloatBuffer;
import java.util.Random;

/** Identity matrix for square 2-D weights (nIn == nOut); refused otherwise. */
public final class WeightInitIdentity extends IWeightInit {
    @Override public void init(double fanIn, double fanOut, int[] shape, FloatBuffer buf, int off, int len, Random rng) {
        if (shape.length != 2 || shape[0] != shape[1]) {
            throw new IllegalArgumentException("WeightInit IDENTITY needs square 2-D weights (nIn == nOut), got shape "
                    + java.util.Arrays.toString(shape) + "; choose another weight init");
        }
        for (int i = 0; i < len; i++) buf.put(off + i, 0f);
        for (int i = 0; i < shape[0]; i++) buf.put(off + i * shape[0] + i, 1f);
    }
}
