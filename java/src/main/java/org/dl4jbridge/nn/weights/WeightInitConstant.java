package org.dl4jbridge.nn.weights;

import java.nio.FloatBuffer;
import java.util.Random;

/** Every weight = {@code value} (WeightInit ZERO = 0, ONES = 1). */
public final class WeightInitConstant extends IWeightInit {
    private final double value;

    public WeightInitConstant(double value) { this.value = value; }

    public double getValue() { return value; }
    @Override public void init(double fanIn, double fanOut, int[] shape, FloatBuffer buf, int off, int len, Random rng) {
        for (int i = 0; i < len; i++) buf.put(off + i, (float) value);
    }
    @Override public boolean equals(Object o) { return o instanceof WeightInitConstant c && c.value == value; }
    @Override public int hashCode() { return Double.hashCode(value); }
    @Override public String toString() { return "WeightInitConstant(" + value + ")"; }
}
