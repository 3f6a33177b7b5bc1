package org.dl4jbridge.nn.transferlearning;

import org.dl4jbridge.nn.conf.ComputationGraphConfiguration;

/** The bridge between the configuration edits and a runtime ComputationGraph. */
final class GraphRuntime {
    private GraphRuntime() {}

    /** What the builder reads from the original network. */
    interface Source {
        ComputationGraphConfiguration configuration();
    }

    interface MultiLayerSource {
        org.dl4jbridge.nn.conf.MultiLayerConfiguration configuration();
    }
}
