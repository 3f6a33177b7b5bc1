package org.dl4jbridge.nn.weights;

import java.nio.FloatBuffer;
import java.util.Random;
import org.dl4jbridge.bridge.Interrupts;

/**
 * A weight initialization scheme (DL4J: org.deeplearning4j.nn.weights.IWeightInit). Values are drawn
 * from {@code rng} (a {@link java.util.Random} seeded by the network seed; DL4J's native RNG stream is
 * not reproduced) and written into the parameter segment in its buffer order (f-order for dense W,
 * c-order for conv W), as DL4J fills its views.
 */
public abstract class IWeightInit {
    public static final String PACKAGE = "org.deeplearning4j.nn.weights.";

    public abstract void init(double fanIn, double fanOut, int[] shape, FloatBuffer buf, int off, int len, Random rng);

    public String jsonClassName() { return PACKAGE + getClass().getSimpleName(); }

    static void fillGaussian(double std, FloatBuffer buf, int off, int len, Random rng) {
        for (int start = 0; start < len; start += CHUNK) {
            Interrupts.check("initializing the weights");
            for (int i = start, end = Math.min(len, start + CHUNK); i < end; i++) {
                buf.put(off + i, (float) (std * rng.nextGaussian()));
            }
        }
    }

    static void fillUniform(double a, FloatBuffer buf, int off, int len, Random rng) {
        for (int start = 0; start < len; start += CHUNK) {
            Interrupts.check("initializing the weights");
            for (int i = start, end = Math.min(len, start + CHUNK); i < end; i++) {
                buf.put(off + i, (float) ((2 * rng.nextDouble() - 1) * a));
            }
        }
    }

    /**
     * Values are drawn in chunks of this many, with a check for Ctrl-C before each: a large layer
     * (VGG16's fc1: 103 M values) takes seconds to draw.
     */
    static final int CHUNK = 1 << 20;

    @Override public boolean equals(Object o) { return o != null && o.getClass() == getClass(); }
    @Override public int hashCode() { return getClass().hashCode(); }
    @Override public String toString() { return getClass().getSimpleName(); }
}
