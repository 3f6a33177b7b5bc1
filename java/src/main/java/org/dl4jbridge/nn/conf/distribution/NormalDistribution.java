package org.dl4jbridge.nn.conf.distribution;

import java.util.Objects;
import java.util.Random;

/** Gaussian N(mean, std^2); the second argument is the STANDARD DEVIATION, as in DL4J. */
public final class NormalDistribution extends Distribution {
    private final double mean, std;

    public NormalDistribution(double mean, double std) {
        if (!(std >= 0)) throw new IllegalArgumentException("NormalDistribution std must be >= 0, got " + std);
        this.mean = mean;
        this.std = std;
    }

    public double getMean() { return mean; }
    public double getStd() { return std; }
    @Override public double sample(Random rng) { return mean + std * rng.nextGaussian(); }
    @Override public String jsonClassName() { return PACKAGE + "NormalDistribution"; }
    @Override public boolean equals(Object o) { return o instanceof NormalDistribution n && n.mean == mean && n.std == std; }
    @Override public int hashCode() { return Objects.hash(mean, std); }
    @Override public String toString() { return "NormalDistribution(mean=" + mean + ", std=" + std + ")"; }
}
