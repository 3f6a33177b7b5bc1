package org.dl4jbridge.nn.weights;

import java.nio.FloatBuffer;
import java.util.Objects;
import java.util.Random;
import org.dl4jbridge.bridge.Interrupts;
import org.dl4jbridge.nn.conf.distribution.Distribution;

/** Every weight i.i.d. from {@code distribution} (WeightInit DISTRIBUTION). */
public final class WeightInitDistribution extends IWeightInit {
    private final Distribution distribution;

    public WeightInitDistribution(Distribution distribution) {
        this.distribution = Objects.requireNonNull(distribution,
                "WeightInitDistribution needs a distribution, e.g. new NormalDistribution(0, 0.01)");
    }

    public Distribution getDistribution() { return distribution; }
    @Override public void init(double fanIn, double fanOut, int[] shape, FloatBuffer buf, int off, int len, Random rng) {
        for (int start = 0; start < len; start += CHUNK) {
            Interrupts.check("initializing the weights");
            for (int i = start, end = Math.min(len, start + CHUNK); i < end; i++) {
                buf.put(off + i, (float) distribution.sample(rng));
            }
        }
    }
    @Override public boolean equals(Object o) { return o instanceof WeightInitDistribution d && d.distribution.equals(distribution); }
    @Override public int hashCode() { return distribution.hashCode(); }
    @Override public String toString() { return "WeightInitDistribution(" + distribution + ")"; }
}
