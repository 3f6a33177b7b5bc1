package org.dl4jbridge.ndarray.ops;

/** The pooling types the engine computes (DL4J's names; DL4J's SUM and PNORM are not supported). */
public enum PoolingType {
    MAX, AVG;

    /** Parses DL4J's configuration value, rejecting the types this engine does not compute. */
    public static PoolingType fromDl4j(String name) {
        if (name == null) throw new IllegalArgumentException("poolingType is null; use MAX or AVG");
        switch (name.toUpperCase(java.util.Locale.ROOT)) {
            case "MAX": return MAX;
            case "AVG": return AVG;
            default:
                throw new IllegalArgumentException("poolingType " + name + " is not supported by this engine;"
                        + " supported: MAX, AVG (DL4J's SUM and PNORM are not implemented)");
        }
    }
}
