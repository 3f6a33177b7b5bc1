package org.dl4jbridge.util;

import org.dl4jbridge.ndarray.NDArray;

/**
 * The contents of a DL4J model zip as plain data, before or after any network object exists:
 * the configuration JSON exactly as stored, the flat parameter vector, the flat updater state,
 * and the optional extras.
 *
 * @param configuration  configuration.json text (any DL4J dialect)
 * @param params         coefficients.bin, or null for a model without parameters (noParams.marker)
 * @param updaterState   updaterState.bin, or null when absent or not requested
 * @param normalizer     normalizer.bin bytes (DL4J's NormalizerSerializer format), kept opaque; or null
 * @param metadata       the dl4j-bridge metadata entry, or null
 */
public record ModelFiles(String configuration, NDArray params, NDArray updaterState, byte[] normalizer,
                         ModelMetadata metadata) {
    public ModelFiles {
        if (configuration == null) throw new IllegalArgumentException("a model needs its configuration JSON");
    }

    public ModelFiles(String configuration, NDArray params, NDArray updaterState) {
        this(configuration, params, updaterState, null, null);
    }

    public ModelFiles withMetadata(ModelMetadata m) {
        return new ModelFiles(configuration, params, updaterState, normalizer, m);
    }
}
