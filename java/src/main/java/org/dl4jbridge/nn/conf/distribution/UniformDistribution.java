package org.dl4jbridge.nn.conf.distribution;

import java.util.Objects;
import java.util.Random;

/** Uniform on [lower, upper). */
public final class UniformDistribution extends Distribution {
    private final double lower, upper;

    public UniformDistribution(double lower, double upper) {
        if (!(upper > lower)) {
            throw new IllegalArgumentException("UniformDistribution needs lower < upper, got lower=" + lower + " upper=" + upper);
        }
        this.lower = lower;
        this.upper = upper;
    }

    public double getLower() { return lower; }
    public double getUpper() { return upper; }
    @Override public double sample(Random rng) { return lower + (upper - lower) * rng.nextDouble(); }
    @Override public String jsonClassName() { return PACKAGE + "UniformDistribution"; }
    @Override public boolean equals(Object o) { return o instanceof UniformDistribution u && u.lower == lower && u.upper == upper; }
    @Override public int hashCode() { return Objects.hash(lower, upper); }
    @Override public String toString() { return "UniformDistribution(lower=" + lower + ", upper=" + upper + ")"; }
}
