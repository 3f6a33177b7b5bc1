package org.dl4jbridge.nn.transferlearning;

import org.dl4jbridge.nn.conf.GradientNormalization;
import org.dl4jbridge.nn.conf.NeuralNetConfiguration;
import org.dl4jbridge.nn.conf.layers.FeedForwardLayer;
import org.dl4jbridge.nn.weights.IWeightInit;

/** What nOutReplace / nInReplace do to the replaced layer, for graphs and layer stacks alike. */
final class SizeChange {
    private SizeChange() {}

    /**
     * DL4J replaces the layer by a clone whose layer-level training settings fall back to defaults:
     * they are cleared here and come back from the fine-tune (global) configuration, as for an added
     * layer; {@code scheme} (may be null) is the new weight init.
     */
    static FeedForwardLayer resetLayer(FeedForwardLayer layer, IWeightInit scheme, NeuralNetConfiguration.Builder global) {
        layer.setIUpdater(null);
        layer.setBiasUpdater(null);
        layer.setBiasInit(Double.NaN);
        layer.setGainInit(Double.NaN);
        layer.setRegularization(null);
        layer.setRegularizationBias(null);
        layer.setGradientNormalization(GradientNormalization.None);
        if (scheme != null) layer.setWeightInitFn(scheme);
        layer.applyGlobalDefaults(global);
        return layer;
    }
}
