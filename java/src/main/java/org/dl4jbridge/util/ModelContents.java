package org.dl4jbridge.util;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A model zip read and checked: its raw files, the configuration upgraded to the M2.1 form, and
 * the layer summary that the parameter vector was checked against.
 */
public record ModelContents(ModelKind kind, ModelFiles files, ObjectNode configuration, ConfigSummary summary) {

    /** The upgraded configuration as JSON text, ready for the configuration classes' fromJson. */
    public String configurationJson() {
        return LegacyConfigUpgrader.toJson(configuration);
    }
}
