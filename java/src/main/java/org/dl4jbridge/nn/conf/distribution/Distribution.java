package org.dl4jbridge.nn.conf.distribution;

import java.util.Random;

/** A weight distribution (DL4J: org.deeplearning4j.nn.conf.distribution.Distribution; JSON type id "type"). */
public abstract class Distribution {
    public static final String PACKAGE = "org.deeplearning4j.nn.conf.distribution.";

    /** One sample from {@code rng}. */
    public abstract double sample(Random rng);

    public abstract String jsonClassName();
}
