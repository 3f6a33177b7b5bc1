package org.dl4jbridge.nn.conf.dropout;

/**
 * Inverted dropout with {@code p} = the probability of RETAINING an activation (DL4J semantics):
 * in training each input value is kept and scaled by 1/p, or zeroed; at inference nothing happens.
 */
public final class Dropout implements IDropout {
    private final double p;
    private final boolean helperAllowFallback;

    public Dropout(double activationRetainProbability) {
        if (!(activationRetainProbability > 0 && activationRetainProbability <= 1)) {
            throw new IllegalArgumentException("Dropout takes the probability of RETAINING an activation, in (0, 1]; got "
                    + activationRetainProbability + " (use 1.0 for no dropout)");
        }
        this.p = activationRetainProbability;
        this.helperAllowFallback = true;
    }

    public double getP() { return p; }
    public boolean isHelperAllowFallback() { return helperAllowFallback; }
    @Override public Dropout clone() { return new Dropout(p); }
    @Override public boolean equals(Object o) { return o instanceof Dropout d && d.p == p; }
    @Override public int hashCode() { return Double.hashCode(p); }
    @Override public String toString() { return "Dropout(p=" + p + ")"; }
}
